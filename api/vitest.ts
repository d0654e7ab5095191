// reapcheck/vitest: leak guards for a user's own vitest suite, in the manner of Go's goleak.
//
//   import { afterEach } from "vitest";
//   import { leakCheck } from "reapcheck/vitest";
//   afterEach(leakCheck());
//
// A test "left" a process when, after it ended, a live process it started is still there: a
// descendant of this worker, or a process carrying this worker's environment tag (the tag
// survives setsid, double forks and reparenting to init; descent survives a cleared environment).
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { isMainThread, threadId } from "node:worker_threads";
import { beforeEach } from "vitest";
import { killProcesses } from "../os/process-group.js";
import { type ProcStat, envVar, isSameProcessAlive, isZombie, listPids, readEnviron, readStat } from "../os/proc-stat.js";

export interface LeakedProcess {
  pid: number;
  ppid: number;
  pgid: number;
  /** With the pid, the process's identity: a pid alone can be recycled. */
  starttime: number;
  rssBytes: number;
  /** The command line, from /proc/<pid>/cmdline. */
  args: string;
  /** Found as a descendant of this worker, or only by its environment tag. */
  why: "descendant" | "tagged";
}

export interface LeakCheckOptions {
  /** How long leftovers get to exit on their own before they count as leaked. Default 2000. */
  deadlineMs?: number;
  /** Processes to never blame (a shared server the suite starts on purpose, say). */
  ignore?: (p: LeakedProcess) => boolean;
  /** SIGKILL what leaked once it is reported, so one leak does not fail the next test too. Default true. */
  kill?: boolean;
}

const GUARD_TAG = "REAPCHECK_GUARD";
const SUITE_TAG = "REAPCHECK_SUITE";
const POLL_MS = 50;

const self = readStat(process.pid);
// This worker's tag, set by the first leakCheck() (not at import: the package has no side
// effects) so every child the worker spawns from then on inherits it. Made of the worker's own
// identity rather than drawn at random: a value inherited from a parent (a suite
// that runs vitest) never matches, and the module evaluated again in the same worker (vitest
// isolation) keeps recognising children started before. The thread id keeps `pool: "threads"`
// workers, which share a pid but each have their own process.env, apart.
const guardId = `${process.pid}-${self?.starttime ?? randomBytes(4).toString("hex")}-${threadId}`;

function cmdline(stat: ProcStat): string {
  try {
    const args = readFileSync(`/proc/${stat.pid}/cmdline`, "latin1").replaceAll("\0", " ").trim();
    return args === "" ? `[${stat.comm}]` : args;
  } catch {
    return `[${stat.comm}]`;
  }
}

/** One look at /proc: every live process, with its environment read under a stable identity. */
function scan(): { stat: ProcStat; environ: string | null }[] {
  return listPids().flatMap((pid) => {
    const before = readStat(pid);
    if (before === null || isZombie(before)) return [];
    const environ = readEnviron(pid);
    // A pid recycled between the two reads would pair one process's environment with another's identity.
    const after = readStat(pid);
    if (after === null || after.starttime !== before.starttime || isZombie(after)) return [];
    return [{ stat: after, environ }];
  });
}

/** This worker's live processes: descendants (through ppid chains) and carriers of its tag. */
function workerProcesses(): LeakedProcess[] {
  const procs = scan();
  const ppidOf = new Map(procs.map((p) => [p.stat.pid, p.stat.ppid]));
  const descends = (pid: number): boolean => {
    // Bounded walk: a chain read across two moments of /proc could in principle loop.
    for (let p = ppidOf.get(pid), hops = 0; p !== undefined && p > 1 && hops < 4096; p = ppidOf.get(p), hops++) {
      if (p === process.pid) return true;
    }
    return false;
  };
  return procs.flatMap(({ stat, environ }) => {
    if (stat.pid === process.pid) return [];
    // In a worker thread the pid is the whole pool's, so descent would blame other test files.
    const why = isMainThread && descends(stat.pid) ? "descendant" : envVar(environ, GUARD_TAG) === guardId ? "tagged" : null;
    if (why === null) return [];
    return [{ pid: stat.pid, ppid: stat.ppid, pgid: stat.pgid, starttime: stat.starttime, rssBytes: stat.rssBytes, args: cmdline(stat), why }];
  });
}

const key = (p: { pid: number; starttime: number }): string => `${p.pid}:${p.starttime}`;

function describeLeak(p: LeakedProcess): string {
  return `  pid ${p.pid} pgid ${p.pgid} rss ${(p.rssBytes / 1024 / 1024).toFixed(1)} MB (${p.why}): ${p.args}`;
}

async function killAndReport(found: readonly LeakedProcess[], kill: boolean, what: string): Promise<never> {
  const survivors = kill ? await killProcesses(found) : [];
  const fate = !kill ? "left running (kill: false)" : survivors.length === 0 ? "killed" : `killed, but ${survivors.join(", ")} survived SIGKILL`;
  throw new Error(`${what} ${found.length} process(es) alive; ${fate}:\n${found.map(describeLeak).join("\n")}`);
}

/**
 * For `afterEach(leakCheck())`. Returns the check; calling leakCheck() also registers a
 * `beforeEach` in the same suite that records what is alive before each test, so the check
 * blames a test only for what it started, never for the worker's pool infrastructure or for
 * processes a `beforeAll` started on purpose. Call it where hooks may be registered (file or
 * describe level); the processes alive when it is created are the baseline until a test starts.
 */
export function leakCheck(options: LeakCheckOptions = {}): () => Promise<void> {
  const { deadlineMs = 2_000, ignore = () => false, kill = true } = options;
  process.env[GUARD_TAG] = guardId;
  let baseline = new Set(workerProcesses().map(key));
  beforeEach(() => {
    baseline = new Set(workerProcesses().map(key));
  });
  return async () => {
    const deadline = Date.now() + deadlineMs;
    // Retry until the deadline: a process that is on its way out is not a leak.
    for (;;) {
      const leaked = workerProcesses().filter((p) => !baseline.has(key(p)) && !ignore(p));
      if (leaked.length === 0) return;
      if (Date.now() >= deadline) return killAndReport(leaked, kill, `leakCheck: after ${deadlineMs} ms the test left`);
      await sleep(POLL_MS);
    }
  };
}

export interface GlobalLeakCheckOptions {
  /** Blame only suite processes that also carry one of these environment variables. Default: any. */
  requireTag?: string[];
  ignore?: (p: LeakedProcess) => boolean;
}

/**
 * For a vitest `globalSetup` file: `export const setup = globalLeakCheck()`. Setup tags the
 * environment before the workers fork (REAPCHECK_SUITE=<id>), so every worker and everything
 * it starts inherits the tag; teardown SIGKILLs whatever still carries it and fails the run
 * naming it (exit code 1). Other suites' processes carry another id and are never touched.
 */
export function globalLeakCheck(options: GlobalLeakCheckOptions = {}): () => () => void {
  const { requireTag = [], ignore = () => false } = options;
  return () => {
    const suite = randomBytes(4).toString("hex");
    process.env[SUITE_TAG] = suite;
    return () => {
      const left: LeakedProcess[] = scan().flatMap(({ stat, environ }) => {
        const ours = envVar(environ, SUITE_TAG) === suite && (requireTag.length === 0 || requireTag.some((t) => envVar(environ, t) !== null));
        if (stat.pid === process.pid || !ours) return [];
        const p: LeakedProcess = { pid: stat.pid, ppid: stat.ppid, pgid: stat.pgid, starttime: stat.starttime, rssBytes: stat.rssBytes, args: cmdline(stat), why: "tagged" };
        return ignore(p) ? [] : [p];
      });
      if (left.length === 0) return;
      // Teardown is synchronous, so no wait for the ends: each identity is re-checked just before its signal.
      for (const p of left) {
        if (!isSameProcessAlive(p.pid, p.starttime)) continue;
        try {
          process.kill(p.pid, "SIGKILL");
        } catch {
          // gone in between
        }
      }
      // vitest prints an error thrown by a global teardown but still exits 0: the exit code must say it.
      process.exitCode = 1;
      throw new Error(`globalLeakCheck: the suite left ${left.length} tagged process(es) alive; killed:\n${left.map(describeLeak).join("\n")}`);
    };
  };
}

/** What expectNoLeaks reads of a gate result: the shape runGate returns, stated structurally. */
export interface GateOutcome {
  verdict: string;
  results: readonly {
    scenario: string;
    adapter: string;
    verdict: string;
    error: string | null;
    checks: readonly { invariant: string; job: string; ok: boolean; detail: string }[];
    reaped: readonly { pid: number; args: string }[];
  }[];
}

/** Throws, saying what failed and what was reaped, unless every scenario of the gate passed. */
export function expectNoLeaks(result: GateOutcome): void {
  const failed = result.results.filter((r) => r.verdict !== "pass");
  if (failed.length === 0 && result.verdict === "pass") return;
  const lines = [`reapcheck gate: verdict ${result.verdict}, ${failed.length} of ${result.results.length} scenario(s) did not pass`];
  for (const r of failed) {
    lines.push(`  ${r.scenario} [${r.adapter}]: ${r.verdict}`);
    if (r.error !== null) lines.push(`    error: ${r.error}`);
    for (const c of r.checks.filter((c) => !c.ok)) lines.push(`    ${c.invariant} (job ${c.job}): ${c.detail}`);
    for (const p of r.reaped) lines.push(`    reaped pid ${p.pid}: ${p.args}`);
  }
  throw new Error(lines.join("\n"));
}
