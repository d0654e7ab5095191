// What a probe sees of one process. Both probes report this shape.
import type { ProcessInfo } from "../../result/process.js";

export interface Probe {
  readonly name: "proc" | "ps" | "cgroup";
  /** True when this probe reads env tags; without them it falls back to recorded groups. */
  readonly seesTags: boolean;
  /** How far its starttime may be from the kernel's: 0 where read from /proc, a few ticks where derived. */
  readonly starttimeSlackTicks: number;
  scan(): Promise<ProcessInfo[]>;
}
