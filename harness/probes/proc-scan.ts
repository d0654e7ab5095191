// The Linux probe: reads /proc/<pid>/stat, cmdline and environ directly. Exact and fast: no
// subprocess, and the environment shows the tags even of a process that left its group. Where an
// environment cannot be read (another user's, or a non-dumpable process, to anyone but root),
// ancestry stands in for the tags: see `attributeByDescent`.
import { readFileSync } from "node:fs";
import { runOfProcess } from "../../os/cgroup.js";
import { TICKS_PER_SECOND, envVar, listPids, readEnviron, readStat, uptimeTicks } from "../../os/proc-stat.js";
import { JOB_TAG, RUN_TAG } from "../../protocol/tags.js";
import type { ProcessInfo } from "../../result/process.js";
import { type Owner, attributeByDescent } from "./attribution.js";
import type { Probe } from "./probe.js";

function readText(path: string): string | null {
  try {
    return readFileSync(path, "latin1");
  } catch {
    return null;
  }
}

/** A command line as a report shows it; the kernel's name where there is none (a kernel thread, a zombie). */
function readArgs(pid: number, comm: string): string {
  const cmdline = readText(`/proc/${pid}/cmdline`) ?? "";
  return cmdline.split("\0").filter((a) => a !== "").join(" ") || `[${comm}]`;
}

interface Identity {
  /** The command line; null until the process is known to be ours: a report shows ours only. */
  args: string | null;
  comm: string;
  run: string | null;
  job: string | null;
  /** False where /proc/<pid>/environ could not be read: its tags, if any, are unknown. */
  readable: boolean;
}

/** What never changes for a process once it has exec'd: its tags and command line. */
function readIdentity(pid: number, comm: string): Identity {
  const environ = readEnviron(pid);
  const run = envVar(environ, RUN_TAG);
  return { args: run === null ? null : readArgs(pid, comm), comm, run, job: envVar(environ, JOB_TAG), readable: environ !== null };
}

export class ProcScan implements Probe {
  readonly name: "proc" | "cgroup" = "proc";
  readonly seesTags = true;
  readonly starttimeSlackTicks = 0;
  /**
   * Identities by (pid, starttime), kept between scans: a poll then reads one stat file per
   * process and environments only of processes it has not seen. Only processes older than a
   * second are kept, since a fresh fork may not have exec'd its own command and environment yet;
   * a zombie is read afresh, since its environment is gone.
   */
  private identities = new Map<string, Identity>();
  /**
   * The owner of each process's parent, by (pid, starttime), for as long as the process lives:
   * learned while the parent lived, it is how an unreadable process is still known as the run's
   * once its chain is killed and it is reparented to init. Kept from a process's first scan on,
   * however young: who forked it does not change when it execs.
   */
  private parentOwners = new Map<string, Owner>();
  private next: Promise<ProcessInfo[]> | null = null;

  /**
   * The table as read after this call: callers that ask before the current task's microtasks
   * are done (the scenarios sharing an engine, woken by one chunk of its events) share one read,
   * which starts after all of them asked, so each still sees the table no earlier than its call.
   */
  scan(): Promise<ProcessInfo[]> {
    this.next ??= new Promise((resolve, reject) => {
      queueMicrotask(() => {
        this.next = null;
        try {
          resolve(this.read());
        } catch (error) {
          reject(error);
        }
      });
    });
    return this.next;
  }

  private read(): ProcessInfo[] {
    const found: ProcessInfo[] = [];
    const seen = new Map<string, Identity>();
    const identityOf = new Map<number, Identity>();
    const settledBefore = uptimeTicks() - TICKS_PER_SECOND;
    for (const pid of listPids()) {
      if (pid === process.pid) continue;
      const stat = readStat(pid);
      if (stat === null) continue;
      const key = keyOf(stat);
      const identity = (stat.state !== "Z" ? this.identities.get(key) : undefined) ?? readIdentity(pid, stat.comm);
      if (stat.starttime < settledBefore) seen.set(key, identity);
      identityOf.set(pid, identity);
      found.push({
        pid,
        ppid: stat.ppid,
        pgid: stat.pgid,
        sid: stat.sid,
        state: stat.state,
        starttime: stat.starttime,
        rssBytes: stat.rssBytes,
        args: identity.args ?? `[${identity.comm}]`,
        run: identity.run,
        job: identity.job,
        attributedBy: identity.run === null ? null : "tag",
      });
    }
    this.identities = seen;
    const descent = attributeByDescent(found, (p) => identityOf.get(p.pid)?.readable === false || this.untagged(p), (p) => this.parentOwners.get(keyOf(p)));
    // Only what is in this scan is kept: a process gone from the table never comes back.
    this.parentOwners = new Map([...descent.parentOwners].map(([p, owner]) => [keyOf(p), owner]));
    return descent.processes.map((p) => this.member(p)).map((p) => {
      if (p.attributedBy !== "ancestry" && p.attributedBy !== "cgroup") return p;
      // Ours after all: its command line (readable even where its environment is not), read once.
      const identity = identityOf.get(p.pid)!;
      identity.args ??= readArgs(p.pid, identity.comm);
      return { ...p, args: identity.args };
    });
  }

  /** Whether descent may name an untagged process's owner: the /proc probe trusts only tags for that. */
  protected untagged(_p: ProcessInfo): boolean {
    return false;
  }

  /** The probe's last word on a process it could not attribute; the /proc probe has none. */
  protected member(p: ProcessInfo): ProcessInfo {
    return p;
  }
}

/**
 * The escape-proof probe: a process is the run's if it is in the run's cgroup, whatever its
 * group, session or environment (the harness puts each run's engine in a cgroup of its own, and
 * no child can leave one by itself). Inside a run's cgroup, an untagged process takes its job
 * from its ancestry, like an unreadable one: membership already proves it is the run's.
 */
export class CgroupScan extends ProcScan {
  override readonly name = "cgroup" as const;

  protected override untagged(p: ProcessInfo): boolean {
    return p.run === null && runOfProcess(p.pid) !== null;
  }

  protected override member(p: ProcessInfo): ProcessInfo {
    if (p.attributedBy === "tag") return p;
    const run = runOfProcess(p.pid);
    // Its job, if any, came from its ancestry; that it is the run's, from the cgroup.
    return run === null ? p : { ...p, run, attributedBy: "cgroup" };
  }
}

function keyOf(p: { pid: number; starttime: number }): string {
  return `${p.pid}/${p.starttime}`;
}
