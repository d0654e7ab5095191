// The portable probe, for dev boxes without /proc (macOS): ps-list for the process table and
// pidusage for resident memory. It cannot read environments, groups or states, so it reports
// no tags (seesTags is false) and pgid/sid as -1; `attributeByAncestry` fills run, job and
// group from what the harness recorded. A process reparented away from its chain is not seen.
import { uptime } from "node:os";
import pidusage from "pidusage";
import psList from "ps-list";
import { TICKS_PER_SECOND } from "../../os/proc-stat.js";
import type { ProcessInfo } from "../../result/process.js";
import type { Probe } from "./probe.js";

export class PsScan implements Probe {
  readonly name = "ps" as const;
  readonly seesTags = false;
  // Derived from an elapsed time and an uptime read moments apart: pidusage measures every
  // elapsed of one call against one uptime read of its own, made asynchronously just after ours.
  // On a CI runner with four test files at once that read has come 110 ms late; half a second
  // covers it, and no pid comes back to another process within half a second of its start.
  readonly starttimeSlackTicks = 50;

  async scan(): Promise<ProcessInfo[]> {
    const list = (await psList()).filter((p) => p.pid !== process.pid);
    // One call for every pid. Called once per pid, the calls would share pidusage's one record of
    // the uptime, each overwriting it while the others read their stat files, and on a loaded
    // host a start would come out more than 100 ms late. Of many pids, pidusage answers null for
    // one that ended meanwhile; of one, it rejects instead.
    const pids = list.map((p) => p.pid);
    const uptimeMs = uptime() * 1000;
    const usage: Partial<Record<number, { elapsed: number; memory: number } | null>> =
      pids.length === 0 ? {} : await pidusage(pids).catch((error: unknown) => (pids.length === 1 ? {} : Promise.reject(error)));
    return list.flatMap((p) => {
      const stat = usage[p.pid];
      // A process that ended between the two calls is not there any more.
      if (stat === undefined || stat === null) return [];
      return [
        {
          pid: p.pid,
          ppid: p.ppid,
          pgid: -1,
          sid: -1,
          state: "?",
          // The same ticks-after-boot unit as /proc.
          starttime: Math.round(((uptimeMs - stat.elapsed) / 1000) * TICKS_PER_SECOND),
          rssBytes: stat.memory,
          args: p.cmd ?? p.name,
          run: null,
          job: null,
          attributedBy: null,
        },
      ];
    });
  }
}
