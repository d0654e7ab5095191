// What a probe sees of one process. Both probes report this shape.
import { isZombie } from "../../os/proc-stat.js";

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

export interface Probe {
  readonly name: "proc" | "ps";
  /** True when this probe reads env tags; without them it falls back to recorded groups. */
  readonly seesTags: boolean;
  /** How far its starttime may be from the kernel's: 0 where read from /proc, a few ticks where derived. */
  readonly starttimeSlackTicks: number;
  scan(): Promise<ProcessInfo[]>;
}

export { isZombie };

export function isAlive(p: ProcessInfo): boolean {
  return !isZombie(p);
}
