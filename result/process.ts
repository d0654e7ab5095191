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
  /** REAPCHECK_RUN of its environment, or null where none or unreadable. */
  run: string | null;
  /** REAPCHECK_JOB of its environment, or null. */
  job: string | null;
}

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
      const lines = members.map((p) => `    pid ${p.pid} ${(p.rssBytes / 2 ** 20).toFixed(1)} MB ${p.state === "Z" ? "(zombie) " : ""}${p.args.slice(0, 160)}`);
      return [`  pgid ${pgid}: ${members.length} process(es), ${(rss / 2 ** 20).toFixed(1)} MB RSS`, ...lines].join("\n");
    })
    .join("\n");
}
