// Where a process's tags cannot be read, who it belongs to is read from ancestry. The ps probe
// sees no tags at all: a descendant of an engine the harness started belongs to that run, a
// descendant of an adapter root the engine leased belongs to that job and counts in the root's
// group. The /proc probe sees tags, but not those of a process whose environment is unreadable
// (another user's, or one that made itself non-dumpable): that one belongs to the run and job of
// the nearest process of the run it descends from.
import type { ProcessInfo } from "../../result/process.js";

export interface KnownRoots {
  run: string;
  enginePids: readonly number[];
  /** Adapter roots by pid (each leads its own group), with the job that leased each. */
  leases: readonly { jobId: string; pgid: number }[];
}

/** A process, then its parent, its parent's parent, …, as far as the table reaches; a loop ends it. */
function* lineOf(p: ProcessInfo, byPid: ReadonlyMap<number, ProcessInfo>): Generator<ProcessInfo> {
  const seen = new Set<number>();
  for (let at: ProcessInfo | undefined = p; at !== undefined && !seen.has(at.pid); at = byPid.get(at.ppid)) {
    seen.add(at.pid);
    yield at;
  }
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
    for (const at of lineOf(p, byPid)) {
      if (job === null && leaderJob.has(at.pid)) {
        job = leaderJob.get(at.pid)!;
        pgid = at.pid;
      }
      if (engines.has(at.pid)) {
        run = roots.run;
        break;
      }
    }
    const attributedBy = run !== null || job !== null ? "ancestry" : null;
    return p.run !== null ? p : { ...p, run, job, pgid, attributedBy };
  });
}

/** The run and job a process belongs to. */
export interface Owner {
  run: string;
  job: string | null;
}

export interface Descent {
  /** The processes, each unreadable one that descends from the run's attributed by ancestry. */
  processes: ProcessInfo[];
  /**
   * For each process whose parent belongs to a run, that owner: a fact of its birth, which the
   * caller keeps (by pid and starttime) for when the parent is gone and it has been reparented.
   */
  parentOwners: Map<ProcessInfo, Owner>;
}

/**
 * Attributes by descent what its tags cannot: a process whose environment is unreadable
 * (`unreadable`) belongs to its parent's owner, as `remembered` recorded it while the parent
 * lived, or as the parent is now: a tagged process, or an unreadable one attributed the same way.
 * A readable process without tags stops the descent: it is not the run's by tag, and what
 * cleared its tags is found by its group, not here.
 */
export function attributeByDescent(
  processes: readonly ProcessInfo[],
  unreadable: (p: ProcessInfo) => boolean,
  remembered: (p: ProcessInfo) => Owner | undefined,
): Descent {
  const byPid = new Map<number, ProcessInfo>();
  for (const p of processes) byPid.set(p.pid, p);
  const owners = new Map<number, Owner | null>();
  const ownerOf = (p: ProcessInfo): Owner | null => {
    const known = owners.get(p.pid);
    if (known !== undefined) return known;
    let owner: Owner | null = null;
    for (const at of lineOf(p, byPid)) {
      if (at.run !== null) owner = { run: at.run, job: at.job };
      else if (unreadable(at)) owner = remembered(at) ?? null;
      else break;
      if (owner !== null) break;
    }
    owners.set(p.pid, owner);
    return owner;
  };
  const parentOwners = new Map<ProcessInfo, Owner>();
  const attributed = processes.map((p) => {
    const parent = byPid.get(p.ppid);
    const owner = remembered(p) ?? (parent === undefined ? null : ownerOf(parent));
    if (owner !== null) parentOwners.set(p, owner);
    if (p.run !== null || owner === null || !unreadable(p)) return p;
    return { ...p, run: owner.run, job: owner.job, attributedBy: "ancestry" as const };
  });
  return { processes: attributed, parentOwners };
}
