// Ending a process group as systemd's KillMode=control-group does: by membership, not by pid.
// SIGTERM the group, give it a grace period, SIGKILL what is left, then wait until it is gone.
import { setTimeout as sleep } from "node:timers/promises";
import { type ProcStat, groupExists, isSameProcessAlive, isZombie, liveGroupMembers, readEnvVar, readStat } from "./proc-stat.js";

export interface KillOptions {
  graceMs: number;
  /** Off only under the `no-sigkill-escalation` fault. */
  escalate: boolean;
  /** Signal the leader pid only instead of the group (the `kill-pid-not-group` fault). */
  leaderOnly: boolean;
  /**
   * Whether live members prove the group is still the one we mean. Checked before each signal:
   * once a group has emptied, its number can come back as someone else's.
   */
  owns: (members: readonly ProcStat[]) => boolean;
}

/** `owns` for a group whose members carry an environment tag: some live member still has it. */
export function taggedWith(name: string, value: string): KillOptions["owns"] {
  return (members) => members.some((m) => readEnvVar(m.pid, name) === value);
}

/**
 * `owns` for a group we made: it is still ours while its leader is the recorded process, or while
 * members live on after the leader died (the kernel reuses no pid that is still some group's id).
 * Every member counts, tagged or not: a child that cleared its environment is still in the group.
 */
export function ledBy(pid: number, starttime: number): KillOptions["owns"] {
  return (members) => {
    const leader = members.find((m) => m.pid === pid);
    return leader === undefined || leader.starttime === starttime;
  };
}

export type KillResult =
  | { kind: "gone"; signal: "SIGTERM" | "SIGKILL" | "none" }
  | { kind: "survived"; pids: number[] };

/** How long a chain gets between SIGTERM and SIGKILL, and an adapter to answer its handshake. */
export const DEFAULT_KILL_GRACE_MS = 1_000;
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

const POLL_MS = 20;
const SIGKILL_WAIT_MS = 5_000;

function signal(target: number, sig: NodeJS.Signals): void {
  try {
    process.kill(target, sig);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

/**
 * Waits until the group has no live member (or, leader only, until its leader is gone). Between
 * looks at the whole table only the members already found are read again. A look finds no one
 * only at the moment of its listing: a member forked while it reads (a dying leader's last child)
 * is missed. So the group is believed empty only when the kernel has no such group at all, or
 * when two whole looks a poll apart agree (a group of unreaped zombies stays a group).
 */
async function waitEmpty(pgid: number, leaderOnly: boolean, ms: number, signalled: readonly ProcStat[]): Promise<boolean> {
  const deadline = Date.now() + ms;
  // A group's leader is the process whose pid is its number.
  const counted = (p: ProcStat): boolean => !leaderOnly || p.pid === pgid;
  const stillIn = (p: ProcStat): boolean => {
    const now = readStat(p.pid);
    return now !== null && now.starttime === p.starttime && now.pgid === pgid && !isZombie(now);
  };
  // The members the signal went to, as looked up just before it: one forked since is found by
  // the whole look that follows their going.
  let live = signalled.filter(counted);
  // Whole looks in a row that found no one.
  let emptyLooks = 0;
  for (;;) {
    if (live.length === 0 && (emptyLooks >= 2 || !groupExists(pgid))) return true;
    if (Date.now() >= deadline) return false;
    await sleep(POLL_MS);
    if (live.length > 0) {
      live = live.filter(stillIn);
      if (live.length > 0) continue;
    }
    live = liveGroupMembers(pgid).filter(counted);
    emptyLooks = live.length === 0 ? emptyLooks + 1 : 0;
  }
}

export async function killGroup(pgid: number, options: KillOptions): Promise<KillResult> {
  // kill(0) and kill(-1) would reach our own group or every process we may signal.
  if (!Number.isInteger(pgid) || pgid <= 1) throw new RangeError(`refusing to signal process group ${pgid}`);
  const target = options.leaderOnly ? pgid : -pgid;
  /** Signals only a group that still has members and is still ours: the members, or null when there is none. */
  const send = (sig: NodeJS.Signals): ProcStat[] | null => {
    const members = liveGroupMembers(pgid);
    if (members.length === 0 || !options.owns(members)) return null;
    signal(target, sig);
    return members;
  };
  const termed = send("SIGTERM");
  if (termed === null) return { kind: "gone", signal: "none" };
  if (await waitEmpty(pgid, options.leaderOnly, options.graceMs, termed)) {
    return { kind: "gone", signal: "SIGTERM" };
  }
  if (options.escalate) {
    const killed = send("SIGKILL");
    if (killed === null) return { kind: "gone", signal: "SIGTERM" };
    if (await waitEmpty(pgid, options.leaderOnly, SIGKILL_WAIT_MS, killed)) {
      return { kind: "gone", signal: "SIGKILL" };
    }
  }
  return { kind: "survived", pids: liveGroupMembers(pgid).map((p) => p.pid) };
}

/**
 * SIGKILLs processes found by tag, each re-checked by (pid, starttime) just before the signal,
 * and waits until they are gone. Returns the pids still alive at the end.
 */
export async function killProcesses(found: readonly { pid: number; starttime: number }[], waitMs = SIGKILL_WAIT_MS): Promise<number[]> {
  const same = (p: { pid: number; starttime: number }): boolean => isSameProcessAlive(p.pid, p.starttime);
  for (const p of found) if (same(p)) signal(p.pid, "SIGKILL");
  const deadline = Date.now() + waitMs;
  while (found.some(same) && Date.now() < deadline) await sleep(POLL_MS);
  return found.filter(same).map((p) => p.pid);
}
