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
  // Derived from elapsed milliseconds and the host's uptime, both rounded, and read at moments
  // that a loaded host (a CI runner with several test files at once) puts up to ~70 ms apart.
  readonly starttimeSlackTicks = 10;

  async scan(): Promise<ProcessInfo[]> {
    const list = (await psList()).filter((p) => p.pid !== process.pid);
    const usage = await Promise.allSettled(list.map((p) => pidusage(p.pid)));
    // pidusage's elapsed is measured against the uptime when it read that pid; bring each back
    // to that moment with its timestamp, or a slow scan skews every start by the scan's length.
    const nowMs = Date.now();
    const uptimeMs = uptime() * 1000;
    return list.flatMap((p, i) => {
      const stat = usage[i];
      // A process that ended between the two calls is not there any more.
      if (stat === undefined || stat.status === "rejected") return [];
      return [
        {
          pid: p.pid,
          ppid: p.ppid,
          pgid: -1,
          sid: -1,
          state: "?",
          // The same ticks-after-boot unit as /proc.
          starttime: Math.round(((uptimeMs - (nowMs - stat.value.timestamp) - stat.value.elapsed) / 1000) * TICKS_PER_SECOND),
          rssBytes: stat.value.memory,
          args: p.cmd ?? p.name,
          run: null,
          job: null,
          attributedBy: null,
        },
      ];
    });
  }
}
