// Reads one process's identity and state from Linux /proc. A process is (pid, starttime):
// a pid alone can be recycled, the pair cannot.
import { closeSync, openSync, readFileSync, readSync, readdirSync } from "node:fs";

/** The kernel's page size, as this process's own mappings state it (4 KiB on x86_64, 4 or 64 KiB on arm64). */
function pageBytes(): number {
  try {
    const match = /KernelPageSize:\s+(\d+) kB/.exec(readFileSync("/proc/self/smaps", "latin1"));
    if (match !== null) return Number(match[1]) * 1024;
  } catch {
    // no /proc: the value is never used
  }
  return 4096;
}

const PAGE_BYTES = pageBytes();

export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgid: number;
  sid: number;
  /** Clock ticks after boot: with the pid, the process's identity. */
  starttime: number;
  rssBytes: number;
  /**
   * Where its arguments and environment are in its memory: a process that execs gets them anew,
   * so a change means another program and perhaps another environment. 0 where the kernel does
   * not say (a kernel thread, a zombie, a process we may not trace).
   */
  argStart: number;
  envStart: number;
  envEnd: number;
}

/** One read's worth: a stat line is 52 numbers and a comm of at most 64 bytes. */
const STAT_BYTES = Buffer.allocUnsafe(4096);
const SPACE = 0x20;
const DIGIT_0 = 0x30;

/**
 * Parses a stat line in place, byte by byte: the probe reads one per process per poll, and
 * splitting it into 52 strings was most of that cost. comm may hold spaces and parentheses: it
 * runs from the first "(" to the last ")". The fields kept here are never negative; addresses
 * are below 2^48, exact as numbers.
 */
function parseStat(bytes: Buffer, length: number): ProcStat {
  const open = bytes.indexOf(0x28);
  const close = bytes.lastIndexOf(0x29, length - 1);
  const stat: ProcStat = { pid: 0, comm: bytes.toString("utf8", open + 1, close), state: String.fromCharCode(bytes[close + 2] ?? 0x3f), ppid: 0, pgid: 0, sid: 0, starttime: 0, rssBytes: 0, argStart: 0, envStart: 0, envEnd: 0 };
  for (let i = 0; i < open - 1; i++) stat.pid = stat.pid * 10 + (bytes[i]! - DIGIT_0);
  // Field 1 is ppid, counting from the state as 0.
  let field = 1;
  let value = 0;
  for (let i = close + 4; i < length && field <= 48; i++) {
    const byte = bytes[i]!;
    if (byte !== SPACE && byte !== 0x0a) {
      value = value * 10 + (byte - DIGIT_0);
      continue;
    }
    switch (field) {
      case 1:
        stat.ppid = value;
        break;
      case 2:
        stat.pgid = value;
        break;
      case 3:
        stat.sid = value;
        break;
      case 19:
        stat.starttime = value;
        break;
      case 21:
        stat.rssBytes = value * PAGE_BYTES;
        break;
      case 45:
        stat.argStart = value;
        break;
      case 47:
        stat.envStart = value;
        break;
      case 48:
        stat.envEnd = value;
        break;
    }
    field++;
    value = 0;
  }
  return stat;
}

/** This process's soft limit on open files, as /proc states it; 1024, the usual default, if it cannot be read. */
function openFileLimit(): number {
  try {
    const match = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync("/proc/self/limits", "latin1"));
    if (match !== null) return match[1] === "unlimited" ? Number.MAX_SAFE_INTEGER : Number(match[1]);
  } catch {
    // no /proc: the value is never used
  }
  return 1024;
}

/**
 * Stat files kept open between reads, by pid: a poll then costs one read per process instead of
 * an open, a read and a close, which is most of what a scan costs. A kept file belongs to the
 * process it was opened on, not to its pid: once that process is reaped every read of it fails
 * (ESRCH), so a recycled pid is never read through another's file. At most a quarter of the
 * open-file limit (and 4,096) is kept, so the rest of the process is never short of files.
 * Each keeps its last line and what it parsed to: a process that has not run since reads the
 * same bytes, and comparing them costs less than parsing them again.
 */
interface KeptFile {
  fd: number;
  line: Buffer;
  stat: ProcStat;
}
const kept = new Map<number, KeptFile>();
const KEEP_AT_MOST = Math.min(4_096, Math.floor(openFileLimit() / 4));

/**
 * The last listing of /proc and the kernel's count of created tasks read just before it. Until the
 * count moves, no pid can have joined the table, so a poll reuses the listing instead of reading
 * the directory (a tenth of a scan of 1,000 processes). A process that leaves it is reaped: its
 * kept file's read fails, which drops the listing.
 */
let listing: { tasksCreated: number; pids: readonly number[] } | null = null;

/** One read into a buffer kept for it: readFileSync's stat, allocation and decoding cost more than the read itself. */
function readLine(fd: number): number | null {
  try {
    return readSync(fd, STAT_BYTES, 0, STAT_BYTES.length, 0);
  } catch {
    // The process is gone (reaped since the open, or since the file was kept).
    return null;
  }
}

export function readStat(pid: number): ProcStat | null {
  const held = kept.get(pid);
  if (held !== undefined) {
    const length = readLine(held.fd);
    if (length !== null) {
      if (length === held.line.length && STAT_BYTES.subarray(0, length).equals(held.line)) return held.stat;
      held.line = Buffer.from(STAT_BYTES.subarray(0, length));
      held.stat = parseStat(STAT_BYTES, length);
      return held.stat;
    }
    // Its process was reaped: the pid, if it is in use again, is another process's, read afresh,
    // and the last listing of /proc still names it.
    kept.delete(pid);
    listing = null;
    closeSync(held.fd);
  }
  let fd: number;
  try {
    fd = openSync(`/proc/${pid}/stat`, "r");
  } catch {
    return null;
  }
  const length = readLine(fd);
  if (length === null) {
    closeSync(fd);
    return null;
  }
  const stat = parseStat(STAT_BYTES, length);
  if (kept.size < KEEP_AT_MOST) kept.set(pid, { fd, line: Buffer.from(STAT_BYTES.subarray(0, length)), stat });
  else closeSync(fd);
  return stat;
}

/** Clock ticks per second of starttime (USER_HZ); 100 on every mainstream Linux build. */
export const TICKS_PER_SECOND = 100;

/** Seconds since boot, in the same ticks as starttime. */
export function uptimeTicks(): number {
  return Math.round(Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]) * TICKS_PER_SECOND);
}

/**
 * CPU this process has used, and the children it has waited for (a `ps` run through execFile,
 * say), in ms, from its own stat line: utime, stime, cutime and cstime.
 */
export function cpuMsWithReapedChildren(): number {
  const line = readFileSync("/proc/self/stat", "latin1");
  const fields = line.slice(line.lastIndexOf(")") + 2).split(" ");
  // The 14th to 17th fields, counted here from the state as 0.
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/** Room for /proc/stat up to its "processes" line: a few hundred CPUs' lines and the interrupt counts. */
const PROC_STAT_BYTES = Buffer.allocUnsafe(64 * 1024);
const PROCESSES_LINE = Buffer.from("\nprocesses ");

/**
 * The host's count of tasks created since boot ("processes" in /proc/stat, threads counted), or
 * null where it cannot be read whole. The kernel counts a task after it can be listed, so while
 * the count stands still no process can have joined any table.
 */
function tasksCreated(): number | null {
  let fd: number;
  try {
    fd = openSync("/proc/stat", "r");
  } catch {
    return null;
  }
  try {
    const length = readSync(fd, PROC_STAT_BYTES, 0, PROC_STAT_BYTES.length, 0);
    const at = PROC_STAT_BYTES.subarray(0, length).indexOf(PROCESSES_LINE);
    if (at < 0) return null;
    let count = 0;
    let i = at + PROCESSES_LINE.length;
    for (; i < length && PROC_STAT_BYTES[i] !== 0x0a; i++) count = count * 10 + (PROC_STAT_BYTES[i]! - DIGIT_0);
    // A line cut off by the buffer's end is a number cut short.
    return i < length ? count : null;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Whether /proc, as mounted when this module loads, hides other users' processes (hidepid). */
function procHidesPids(): boolean {
  try {
    // The last mount on /proc is the one in effect.
    const line = readFileSync("/proc/self/mounts", "latin1").split("\n").filter((l) => l.split(" ")[1] === "/proc").at(-1);
    const hidepid = /(?:^|,)hidepid=([^,]+)/.exec(line?.split(" ")[3] ?? "")?.[1];
    return hidepid !== undefined && hidepid !== "0" && hidepid !== "off";
  } catch {
    return true;
  }
}

/**
 * How far the count is trusted to mark every fork. A sandbox may print a stand-in that never moves
 * (gVisor's is 0), so the count is trusted once it has been seen to move ("moves"), and never once
 * it has gone back, or where /proc may show a process without a fork: with hidepid, a process of
 * another user that takes ours appears without one.
 */
let countTrust: "unproven" | "moves" | "never" = procHidesPids() ? "never" : "unproven";
let lastCount: number | null = null;

/**
 * The pids in the table now (a pid reaped since the last fork may still be among them: its
 * `readStat` is null); the stat files kept for pids no longer in it are closed.
 */
export function listPids(): readonly number[] {
  // Read before the directory: a process it does not list is counted after this read.
  const created = countTrust === "never" ? null : tasksCreated();
  if (created !== null && lastCount !== null && created !== lastCount) countTrust = created < lastCount ? "never" : "moves";
  lastCount = created ?? lastCount;
  if (countTrust === "moves" && listing !== null && created === listing.tasksCreated) return listing.pids;
  const pids: number[] = [];
  // Every other entry of /proc is named by a word ("self", "sys", …), none starting with a digit.
  for (const entry of readdirSync("/proc")) {
    const first = entry.charCodeAt(0);
    if (first >= DIGIT_0 && first <= DIGIT_0 + 9) pids.push(Number(entry));
  }
  if (kept.size > 0) {
    const listed = new Set(pids);
    for (const [pid, file] of kept) {
      if (listed.has(pid)) continue;
      kept.delete(pid);
      closeSync(file.fd);
    }
  }
  listing = created === null || countTrust === "never" ? null : { tasksCreated: created, pids };
  return pids;
}

export function isZombie(stat: { state: string }): boolean {
  return stat.state === "Z" || stat.state === "X";
}

/** Whether any process, a zombie included, is in the group: signal 0 asks the kernel at once. */
export function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/** Live (non-zombie) members of a process group. */
export function liveGroupMembers(pgid: number): ProcStat[] {
  // "No such group" needs no scan; a group that exists may hold only zombies.
  if (!groupExists(pgid)) return [];
  const members: ProcStat[] = [];
  for (const pid of listPids()) {
    const stat = readStat(pid);
    if (stat !== null && stat.pgid === pgid && !isZombie(stat)) members.push(stat);
  }
  return members;
}

/** A process's environment as /proc holds it (NUL-separated), or null when gone or unreadable. */
export function readEnviron(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/environ`, "latin1");
  } catch {
    return null;
  }
}

/** One variable of an environment read by `readEnviron`; null when unset. */
export function envVar(environ: string | null, name: string): string | null {
  if (environ === null) return null;
  const prefix = `${name}=`;
  const entry = environ.split("\0").find((e) => e.startsWith(prefix));
  return entry === undefined ? null : entry.slice(prefix.length);
}

export function readEnvVar(pid: number, name: string): string | null {
  return envVar(readEnviron(pid), name);
}

/**
 * Live processes whose environment's `name` satisfies `match`. The stat is read before and
 * after the environment: if the pid was recycled in between, the two starttimes differ and the
 * process is skipped, so an environment is never paired with another process's identity.
 * `bornSince` skips the environments of processes older than that starttime: a tag first given
 * to a process then is carried by none born before it.
 */
export function liveWithEnv(name: string, match: (value: string) => boolean, bornSince = 0): ProcStat[] {
  const found: ProcStat[] = [];
  for (const pid of listPids()) {
    if (pid === process.pid) continue;
    const before = readStat(pid);
    if (before === null || isZombie(before) || before.starttime < bornSince) continue;
    const value = readEnvVar(pid, name);
    if (value === null || !match(value)) continue;
    const after = readStat(pid);
    if (after !== null && after.starttime === before.starttime && !isZombie(after)) found.push(after);
  }
  return found;
}

/**
 * Live descendants of a process, by parent links, in one scan. It finds a child that left the
 * group and cleared or hid its environment, but only while the parent chain still leads to it:
 * ask before the kill, not after.
 */
export function liveDescendants(root: number): ProcStat[] {
  const stats = listPids().flatMap((pid) => {
    const stat = readStat(pid);
    return stat === null || isZombie(stat) ? [] : [stat];
  });
  const children = new Map<number, ProcStat[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const found: ProcStat[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const next = queue.shift()!;
    found.push(next);
    queue.push(...(children.get(next.pid) ?? []));
  }
  return found;
}

/** True while the process that had this identity is alive and not a zombie. */
export function isSameProcessAlive(pid: number, starttime: number): boolean {
  const stat = readStat(pid);
  return stat !== null && stat.starttime === starttime && !isZombie(stat);
}
