// The reaper of last resort: what is still in a run's cgroup after the tag reaper is the run's,
// whatever its group, session or environment; cgroup.kill ends it all at once.
import { type Containment, isMember, killAll } from "../os/cgroup.js";
import { type ProcessInfo, isAlive } from "../result/process.js";
import type { Probe } from "./probes/probe.js";

/** Kills what is left in the run's cgroups and returns it as seen just before (the leak). */
export async function reapCgroup(containment: Containment, probe: Probe): Promise<ProcessInfo[]> {
  if (containment.kind === "tags-only") return [];
  const left = (await probe.scan()).filter((p) => isAlive(p) && isMember(containment, p.pid));
  await killAll(containment);
  return left.map((p) => (p.attributedBy === null ? { ...p, attributedBy: "cgroup" } : p));
}
