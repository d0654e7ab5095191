// The Linux probe: reads /proc/<pid>/stat, cmdline and environ directly. Exact and fast: no
// subprocess, and the environment shows the tags even of a process that left its group.
import { readFileSync } from "node:fs";
import { listPids, readStat } from "../../engine/proc-stat.js";
import { JOB_TAG, RUN_TAG } from "../../engine/tagging.js";
import type { ProcessInfo, Probe } from "./probe.js";

function readText(path: string): string | null {
  try {
    return readFileSync(path, "latin1");
  } catch {
    return null;
  }
}

function tagOf(environ: string | null, name: string): string | null {
  if (environ === null) return null;
  const prefix = `${name}=`;
  for (const entry of environ.split("\0")) {
    if (entry.startsWith(prefix)) return entry.slice(prefix.length);
  }
  return null;
}

export function readProcess(pid: number): ProcessInfo | null {
  const stat = readStat(pid);
  if (stat === null) return null;
  const environ = readText(`/proc/${pid}/environ`);
  const cmdline = readText(`/proc/${pid}/cmdline`) ?? "";
  return {
    pid,
    ppid: stat.ppid,
    pgid: stat.pgid,
    sid: stat.sid,
    state: stat.state,
    starttime: stat.starttime,
    rssBytes: stat.rssBytes,
    args: cmdline.split("\0").filter((a) => a !== "").join(" ") || `[${stat.comm}]`,
    run: tagOf(environ, RUN_TAG),
    job: tagOf(environ, JOB_TAG),
  };
}

export class ProcScan implements Probe {
  readonly name = "proc" as const;
  readonly seesTags = true;
  readonly starttimeSlackTicks = 0;

  async scan(): Promise<ProcessInfo[]> {
    const found: ProcessInfo[] = [];
    for (const pid of listPids()) {
      if (pid === process.pid) continue;
      const info = readProcess(pid);
      if (info !== null) found.push(info);
    }
    return found;
  }
}
