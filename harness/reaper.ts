// The backstop: ends whatever still carries a run's tag. It signals only processes whose
// environment carries that tag, re-checked by (pid, starttime) just before the signal, and scans
// again until a scan finds nothing, so a process forked during a kill is not missed.
import { killProcesses } from "../os/process-group.js";
import { ProcScan } from "./probes/proc-scan.js";
import type { JobGroup } from "./invariants.js";
import { type ProcessInfo, isAlive } from "../result/process.js";
import type { Probe } from "./probes/probe.js";

const MAX_ROUNDS = 5;

/**
 * Kills every live process tagged with the run, and every live member of a group the run's engine
 * announced (a member that cleared its environment carries no tag, but its group is ours until it
 * empties); returns every one it found alive (the leak).
 */
export async function reapRun(run: string, probe: Probe, groups: readonly JobGroup[] = []): Promise<ProcessInfo[]> {
  // Only a probe that reads environments can tell what is ours; without one, nothing is signalled.
  const scanner = probe.seesTags ? probe : new ProcScan();
  const found = new Map<string, ProcessInfo>();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const scanned = await scanner.scan();
    const reused = new Set(groups.filter((g) => scanned.some((p) => p.pid === g.pgid && p.starttime !== g.starttime && g.starttime !== null)).map((g) => g.pgid));
    const pgids = new Set(groups.map((g) => g.pgid).filter((g) => !reused.has(g)));
    const tagged = scanned.filter((p) => isAlive(p) && (p.run === run || (p.run === null && pgids.has(p.pgid))));
    if (tagged.length === 0) break;
    for (const p of tagged) found.set(`${p.pid}/${p.starttime}`, p);
    await killProcesses(tagged);
  }
  return [...found.values()];
}
