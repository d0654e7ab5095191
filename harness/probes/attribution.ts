// Where a probe sees no tags, who a process belongs to is read from ancestry: a descendant of an
// engine the harness started belongs to that run, a descendant of an adapter root the engine
// leased belongs to that job and counts in the root's group.
import type { ProcessInfo } from "../../result/process.js";

export interface KnownRoots {
  run: string;
  enginePids: readonly number[];
  /** Adapter roots by pid (each leads its own group), with the job that leased each. */
  leases: readonly { jobId: string; pgid: number }[];
}

export function attributeByAncestry(processes: readonly ProcessInfo[], roots: KnownRoots): ProcessInfo[] {
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  const leaderJob = new Map<number, string>();
  for (const lease of roots.leases) if (!leaderJob.has(lease.pgid)) leaderJob.set(lease.pgid, lease.jobId);
  const engines = new Set(roots.enginePids);
  return processes.map((p) => {
    let run: string | null = null;
    let job: string | null = null;
    let pgid = p.pgid;
    const seen = new Set<number>();
    for (let at: ProcessInfo | undefined = p; at !== undefined && !seen.has(at.pid); at = byPid.get(at.ppid)) {
      seen.add(at.pid);
      if (job === null && leaderJob.has(at.pid)) {
        job = leaderJob.get(at.pid)!;
        pgid = at.pid;
      }
      if (engines.has(at.pid)) {
        run = roots.run;
        break;
      }
    }
    return p.run !== null ? p : { ...p, run, job, pgid };
  });
}
