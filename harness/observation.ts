// One look at a run, in the shape the invariants read: the engine's state, the process table,
// the leases its events announced, its pid files and workspaces. The gate, the explorer and
// anything else that checks a run builds it here.
import { readdir } from "node:fs/promises";
import type { EngineEvent, EngineSnapshot } from "../protocol/messages.js";
import { pidDirOf, readPidFiles, workspaceDirOf } from "../protocol/state-folder.js";
import type { Lease, Observation } from "./invariants.js";
import { attributeByAncestry } from "./probes/attribution.js";
import type { Probe } from "./probes/probe.js";

export interface RunView {
  run: string;
  stateDir: string;
  probe: Probe;
  events: readonly EngineEvent[];
  /** Every engine process of the run, for a probe that attributes by ancestry. */
  enginePids: readonly number[];
}

export function leasesOf(events: readonly EngineEvent[]): Lease[] {
  return events.flatMap((e) => (e.event === "adapter.leased" ? [{ jobId: e.jobId, pgid: e.pgid }] : []));
}

export async function observeRun(view: RunView, state: EngineSnapshot): Promise<Observation> {
  const leases = leasesOf(view.events);
  const scanned = await view.probe.scan();
  return {
    run: view.run,
    state,
    processes: view.probe.seesTags ? scanned : attributeByAncestry(scanned, { run: view.run, enginePids: view.enginePids, leases }),
    leases,
    pidFiles: readPidFiles(pidDirOf(view.stateDir)),
    workspaces: await readdir(workspaceDirOf(view.stateDir)).catch(() => []),
    starttimeSlackTicks: view.probe.starttimeSlackTicks,
  };
}
