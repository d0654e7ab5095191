// The backstop: ends whatever still carries a run's tag. It signals only processes whose
// environment carries that tag, re-checked by (pid, starttime) just before the signal, and scans
// again until a scan finds nothing, so a process forked during a kill is not missed.
import { killProcesses } from "../os/process-group.js";
import { ProcScan } from "./probes/proc-scan.js";
import { type ProcessInfo, type Probe, isAlive } from "./probes/probe.js";

const MAX_ROUNDS = 5;

/** Kills every live process tagged with the run; returns every one it found alive (the leak). */
export async function reapRun(run: string, probe: Probe): Promise<ProcessInfo[]> {
  // Only a probe that reads environments can tell what is ours; without one, nothing is signalled.
  const scanner = probe.seesTags ? probe : new ProcScan();
  const found = new Map<string, ProcessInfo>();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const tagged = (await scanner.scan()).filter((p) => p.run === run && isAlive(p));
    if (tagged.length === 0) break;
    for (const p of tagged) found.set(`${p.pid}/${p.starttime}`, p);
    await killProcesses(tagged);
  }
  return [...found.values()];
}
