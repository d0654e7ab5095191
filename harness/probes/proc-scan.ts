// The Linux probe: reads /proc/<pid>/stat, cmdline and environ directly. Exact and fast: no
// subprocess, and the environment shows the tags even of a process that left its group.
import { readFileSync } from "node:fs";
import { TICKS_PER_SECOND, envVar, listPids, readEnviron, readStat, uptimeTicks } from "../../os/proc-stat.js";
import { JOB_TAG, RUN_TAG } from "../../protocol/tags.js";
import type { ProcessInfo } from "../../result/process.js";
import type { Probe } from "./probe.js";

function readText(path: string): string | null {
  try {
    return readFileSync(path, "latin1");
  } catch {
    return null;
  }
}

interface Identity {
  args: string;
  run: string | null;
  job: string | null;
}

/** What never changes for a process once it has exec'd: its tags and command line. */
function readIdentity(pid: number, comm: string): Identity {
  const environ = readEnviron(pid);
  const run = envVar(environ, RUN_TAG);
  // Command lines are read for our processes only: they are what a report shows.
  const cmdline = run === null ? "" : (readText(`/proc/${pid}/cmdline`) ?? "");
  return {
    args: cmdline.split("\0").filter((a) => a !== "").join(" ") || `[${comm}]`,
    run,
    job: envVar(environ, JOB_TAG),
  };
}

export class ProcScan implements Probe {
  readonly name = "proc" as const;
  readonly seesTags = true;
  readonly starttimeSlackTicks = 0;
  /**
   * Identities by (pid, starttime), kept between scans: a poll then reads one stat file per
   * process and environments only of processes it has not seen. Only processes older than a
   * second are kept, since a fresh fork may not have exec'd its own command and environment yet;
   * a zombie is read afresh, since its environment is gone.
   */
  private identities = new Map<string, Identity>();

  async scan(): Promise<ProcessInfo[]> {
    const found: ProcessInfo[] = [];
    const seen = new Map<string, Identity>();
    const settledBefore = uptimeTicks() - TICKS_PER_SECOND;
    for (const pid of listPids()) {
      if (pid === process.pid) continue;
      const stat = readStat(pid);
      if (stat === null) continue;
      const key = `${pid}/${stat.starttime}`;
      const identity = (stat.state !== "Z" ? this.identities.get(key) : undefined) ?? readIdentity(pid, stat.comm);
      if (stat.starttime < settledBefore) seen.set(key, identity);
      found.push({
        pid,
        ppid: stat.ppid,
        pgid: stat.pgid,
        sid: stat.sid,
        state: stat.state,
        starttime: stat.starttime,
        rssBytes: stat.rssBytes,
        ...identity,
      });
    }
    this.identities = seen;
    return found;
  }
}
