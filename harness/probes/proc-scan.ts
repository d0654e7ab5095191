// The Linux probe: reads /proc/<pid>/stat, cmdline and environ directly. Exact and fast: no
// subprocess, and the environment shows the tags even of a process that left its group. Where an
// environment cannot be read (another user's, or a non-dumpable process, to anyone but root),
// ancestry stands in for the tags: see `attributeByDescent`.
import { readFileSync } from "node:fs";
import { runOfProcess } from "../../os/cgroup.js";
import { type ProcStat, TICKS_PER_SECOND, envVar, isZombie, listPids, readEnviron, readStat, uptimeTicks } from "../../os/proc-stat.js";
import { JOB_TAG, RUN_TAG } from "../../protocol/tags.js";
import type { ProcessInfo } from "../../result/process.js";
import { type Owner, attributeByDescent } from "./attribution.js";
import { ByIdentity } from "./by-identity.js";
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

/** Where a process's arguments and environment are in its memory: they move when it execs. */
type Image = Pick<ProcStat, "argStart" | "envStart" | "envEnd">;

/** Whether the kernel places each new program's stack anew (address-space randomization is on). */
const RANDOMIZED = (() => {
  try {
    return readFileSync("/proc/sys/kernel/randomize_va_space", "latin1").trim() !== "0";
  } catch {
    return false;
  }
})();

/**
 * The image a process's identity can be kept by, or null where a new program cannot be told from
 * the old: the kernel does not say where (a process we may not trace), or places every program
 * alike (randomization is off, so two programs' arguments can sit at one address).
 */
function imageOf(stat: ProcStat): Image | null {
  return RANDOMIZED && stat.argStart !== 0 ? { argStart: stat.argStart, envStart: stat.envStart, envEnd: stat.envEnd } : null;
}

function sameImage(a: Image, b: ProcStat): boolean {
  return a.argStart === b.argStart && a.envStart === b.envStart && a.envEnd === b.envEnd;
}

interface Identity {
  /** With the pid, whose identity this is: a recycled pid's process has another starttime. */
  starttime: number;
  /** The command line; null until the process is known to be ours: a report shows ours only. */
  args: string | null;
  comm: string;
  /** What a report shows as its command: the command line, or the kernel's name for it. */
  shown: string;
  run: string | null;
  job: string | null;
  /** False where /proc/<pid>/environ could not be read: its tags, if any, are unknown. */
  readable: boolean;
  /** The image it was read in; null: it is kept only once the process is a second old. */
  image: Image | null;
  /** Read while the process was a zombie: its environment gone, and nothing about it left to change. */
  zombie: boolean;
}

/** What never changes for a process until it execs: its tags and command line. */
function readIdentity(stat: ProcStat): Identity {
  const { pid, comm } = stat;
  const environ = readEnviron(pid);
  const run = envVar(environ, RUN_TAG);
  const args = run === null ? null : readArgs(pid, comm);
  return {
    starttime: stat.starttime,
    args,
    comm,
    shown: args ?? `[${comm}]`,
    run,
    job: envVar(environ, JOB_TAG),
    readable: environ !== null,
    image: imageOf(stat),
    zombie: isZombie(stat),
  };
}

export class ProcScan implements Probe {
  readonly name: "proc" | "cgroup" = "proc";
  readonly seesTags = true;
  readonly starttimeSlackTicks = 0;
  /**
   * Identities by (pid, starttime), kept between scans: a poll then reads one stat file per
   * process and environments only of processes it has not seen in that image. A fresh fork has
   * its parent's environment until it execs its own, and an exec moves the arguments and
   * environment, so an identity is read again when they move. Where that cannot be seen (see
   * `imageOf`), only processes older than a second are kept, as most forks have exec'd by then.
   * A process that becomes a zombie is read afresh, since its environment is gone; that reading
   * is kept, as a zombie changes no more. (Where init reaps late, a fifth of a busy table can be
   * zombies, each read again at every scan otherwise.)
   */
  private identities = new Map<number, Identity>();
  /**
   * The owner of each process's parent, by (pid, starttime), for as long as the process lives:
   * learned while the parent lived, it is how an unreadable process is still known as the run's
   * once its chain is killed and it is reparented to init. Kept from a process's first scan on,
   * however young: who forked it does not change when it execs.
   */
  private parentOwners = new ByIdentity<Owner>();
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
    const seen = new Map<number, Identity>();
    // Each found process's identity, in the order found; and the pids whose tags are unknown.
    const identityAt: Identity[] = [];
    const unreadable = new Set<number>();
    const settledBefore = uptimeTicks() - TICKS_PER_SECOND;
    for (const pid of listPids()) {
      if (pid === process.pid) continue;
      const stat = readStat(pid);
      if (stat === null) continue;
      const kept = this.identities.get(pid);
      const zombie = isZombie(stat);
      const same = kept !== undefined && kept.starttime === stat.starttime && kept.zombie === zombie && (zombie || kept.image === null || sameImage(kept.image, stat));
      const identity = same ? kept : readIdentity(stat);
      if (zombie || identity.image !== null || stat.starttime < settledBefore) seen.set(pid, identity);
      identityAt.push(identity);
      if (!identity.readable) unreadable.add(pid);
      found.push({
        pid,
        ppid: stat.ppid,
        pgid: stat.pgid,
        sid: stat.sid,
        state: stat.state,
        starttime: stat.starttime,
        rssBytes: stat.rssBytes,
        args: identity.shown,
        run: identity.run,
        job: identity.job,
        attributedBy: identity.run === null ? null : "tag",
      });
    }
    this.identities = seen;
    const descent = attributeByDescent(found, (p) => unreadable.has(p.pid) || this.untagged(p), (p) => this.parentOwners.get(p));
    // Only what is in this scan is kept: a process gone from the table never comes back.
    this.parentOwners = new ByIdentity();
    for (const [p, owner] of descent.parentOwners) this.parentOwners.set(p, owner);
    return descent.processes.map((found, at) => {
      const p = this.member(found);
      if (p.attributedBy !== "ancestry" && p.attributedBy !== "cgroup") return p;
      // Ours after all: its command line (readable even where its environment is not), read once.
      const identity = identityAt[at]!;
      if (identity.args === null) {
        identity.args = readArgs(p.pid, identity.comm);
        identity.shown = identity.args;
      }
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

