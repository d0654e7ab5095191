// The backstop: ends whatever the probe attributes to a run. It signals only processes whose
// environment carries the run's tag, or, where an environment cannot be read, that descend from
// the run's (the probe's ancestry), or members of the run's groups; each is re-checked by
// (pid, starttime) just before the signal, and it scans again until a scan finds nothing, so a
// process forked during a kill is not missed.
import { killProcesses } from "../os/process-group.js";
import { ProcScan } from "./probes/proc-scan.js";
import type { JobGroup } from "./invariants.js";
import { type ProcessInfo, isAlive } from "../result/process.js";
import type { Probe } from "./probes/probe.js";

const MAX_ROUNDS = 5;

/** False for a process this one may not signal (another user's: a setuid descendant, say). */
function maySignal(p: ProcessInfo): boolean {
  try {
    process.kill(p.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "EPERM";
  }
}

/**
 * Kills every live process attributed to the run (by tag, or by ancestry where its environment
 * is unreadable), and every live member of a group the run's engine announced (a member that
 * cleared its environment carries no tag, but its group is ours until it empties); returns every
 * one it found alive (the leak), each saying how it was attributed.
 */
export async function reapRun(run: string, probe: Probe, groups: readonly JobGroup[] = [], jobs?: ReadonlySet<string>): Promise<ProcessInfo[]> {
  // With `jobs`, only those jobs' processes: one scenario's, in an engine other scenarios share.
  const mine = (p: ProcessInfo): boolean => jobs === undefined || (p.job !== null && jobs.has(p.job));
  if (jobs !== undefined) groups = groups.filter((g) => jobs.has(g.jobId));
  // Only a probe that reads environments can tell what is ours; without one, nothing is signalled.
  const scanner = probe.seesTags ? probe : new ProcScan();
  const found = new Map<string, ProcessInfo>();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const scanned = await scanner.scan();
    const reused = new Set(groups.filter((g) => scanned.some((p) => p.pid === g.pgid && p.starttime !== g.starttime && g.starttime !== null)).map((g) => g.pgid));
    const pgids = new Set(groups.map((g) => g.pgid).filter((g) => !reused.has(g)));
    const ours = scanned.flatMap((p): ProcessInfo[] => {
      if (!isAlive(p)) return [];
      if (p.run === run) return mine(p) ? [p] : [];
      return p.run === null && pgids.has(p.pgid) ? [{ ...p, attributedBy: "group" }] : [];
    });
    for (const p of ours) found.set(`${p.pid}/${p.starttime}`, p);
    // What it may not signal it still reports; scanning again would not change that.
    const killable = ours.filter(maySignal);
    if (killable.length === 0) break;
    await killProcesses(killable);
  }
  return [...found.values()];
}
