// What a probe sees of one process, and how a person is shown a few of them.
import { isZombie } from "../os/proc-stat.js";

export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  /** Kernel state letter: R, S, D, Z (zombie), T, … */
  state: string;
  /** Clock ticks after boot; with the pid, the process's identity. */
  starttime: number;
  rssBytes: number;
  args: string;
  /** The run it belongs to: REAPCHECK_RUN of its environment, or what `attributedBy` says; null if none. */
  run: string | null;
  /** The job it belongs to: REAPCHECK_JOB of its environment, or what `attributedBy` says; null if none. */
  job: string | null;
  /** How it was found to be the run's; null when it is not (or not yet) attributed to any run. */
  attributedBy: Attribution | null;
}

/**
 * How a process was found to be a run's: by the tags in its environment; by ancestry, where its
 * environment cannot be read (another user's, a non-dumpable process, or a probe that reads no
 * environments) and it descends from a process of the run; by membership of a process group the
 * run's engine announced (a member that cleared its environment); or by membership of the run's
 * cgroup, which no process leaves by itself.
 */
export type Attribution = "tag" | "ancestry" | "group" | "cgroup";

/** What a report adds to a process line: nothing for a tag, the usual way; why otherwise. */
const ATTRIBUTION_NOTE: Record<Attribution, string> = {
  tag: "",
  ancestry: " (found by ancestry: its environment is unreadable)",
  group: " (found by group: it carries no tag)",
  cgroup: " (found by its run's cgroup: no tag of its own says so)",
};

export { isZombie };

export function isAlive(p: ProcessInfo): boolean {
  return !isZombie(p);
}

export function describeProcesses(processes: readonly ProcessInfo[]): string {
  const groups = new Map<number, ProcessInfo[]>();
  for (const p of processes) groups.set(p.pgid, [...(groups.get(p.pgid) ?? []), p]);
  return [...groups]
    .map(([pgid, members]) => {
      const rss = members.reduce((sum, p) => sum + p.rssBytes, 0);
      const lines = members.map(
        (p) =>
          `    pid ${p.pid} ${(p.rssBytes / 2 ** 20).toFixed(1)} MB ${p.state === "Z" ? "(zombie) " : ""}${p.args.slice(0, 160)}` +
          // Results written before attribution was recorded have none.
          (p.attributedBy == null ? "" : ATTRIBUTION_NOTE[p.attributedBy]),
      );
      return [`  pgid ${pgid}: ${members.length} process(es), ${(rss / 2 ** 20).toFixed(1)} MB RSS`, ...lines].join("\n");
    })
    .join("\n");
}
