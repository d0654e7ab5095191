// One run of one transition of a black-box engine: a fresh run tag and state folder, the adapter
// prepared (a real one gets its loopback model stub), a decoy planted, the engine driven while a
// watcher notes every process group the job's processes are seen in; then the invariants a black
// box can show are polled until they hold or the deadline passes, and whatever still carries the
// run's tag, including what the engine leaked, is reaped and reported.
import { mkdirSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { AdapterProfile, PreparedRun } from "../harness/adapters/profile.js";
import type { Probe } from "../harness/probes/probe.js";
import { reapRun } from "../harness/reaper.js";
import { activeRuns } from "../harness/run-registry.js";
import { newRunId } from "../harness/runner.js";
import { waitUntil } from "../harness/wait-until.js";
import { TICKS_PER_SECOND, isSameProcessAlive, uptimeTicks } from "../os/proc-stat.js";
import { BEHAVIOUR_ENV } from "../protocol/adapter-launch.js";
import { JOB_TAG, RUN_TAG } from "../protocol/tags.js";
import type { Check, InvariantName } from "../result/check.js";
import { type ProcessInfo, isAlive } from "../result/process.js";
import type { RunSnapshot, SnapshotOf, ScenarioResult } from "../result/result.js";
import type { BlackBoxEngine, DriveContext, Driven, PrematureCheck, Transition } from "./black-box.js";
import { type SeenGroup, foreignKillCheck, outcomeCheck, prematureCheck, survivorChecks } from "./black-box-checks.js";
import { DrivenProcess, type SpawnOptions } from "./driven-process.js";
import { type MirrorDecoy, mirrorDecoyAlive, plantMirrorDecoy, removeMirrorDecoy } from "./mirror-decoy.js";
import { commandLine } from "./shell-words.js";

export interface BlackBoxRunOptions {
  engine: BlackBoxEngine;
  adapter: AdapterProfile;
  probe: Probe;
  /** How long the invariants may take to hold once the engine said the job ended. */
  deadlineMs: number;
  /** How long a transition may take to end; past it, it is reported as timed out and reaped. */
  transitionTimeoutMs: number;
  onSnapshot?: (of: SnapshotOf, snapshot: RunSnapshot) => void;
}

/** What a run did, moment by moment: the exact commands and signals, for a repro bundle. */
export interface TimelineEntry {
  atMs: number;
  text: string;
}

/** The run's tagged processes at one moment, with the host's uptime then (for ages). */
export interface TimedProcesses {
  uptimeMs: number;
  processes: ProcessInfo[];
}

export interface BlackBoxRun {
  result: ScenarioResult;
  timeline: TimelineEntry[];
  /** The first look at the whole chain mid-turn: who is whose child, before anything ended. */
  midTurn: TimedProcesses | null;
}

const WATCH_INTERVAL_MS = 200;
const MID_TURN_SETTLE_MS = 500;
const SHORT_JOB = "job";

class TransitionTimeout extends Error {}
class RunClosed extends Error {}

/** The fake chain reads its behaviour from these; real adapters ignore them. */
function fakeKnobs(transition: Transition): Record<string, string> {
  const { fake } = transition.plan;
  return {
    [BEHAVIOUR_ENV.latencyMs]: String(fake.latencyMs),
    ...(fake.escape === undefined ? {} : { [BEHAVIOUR_ENV.escape]: fake.escape }),
  };
}

export async function runTransition(transition: Transition, options: BlackBoxRunOptions): Promise<BlackBoxRun> {
  const { engine, adapter, probe } = options;
  const started = Date.now();
  const run = newRunId();
  const job = `${run}.${SHORT_JOB}`;
  const timeline: TimelineEntry[] = [];
  const note = (text: string): void => void timeline.push({ atMs: Date.now() - started, text });
  const stateDir = activeRuns.openStateDir(run, `reapcheck-${engine.name}`);
  const home = join(stateDir, "home");
  const cwd = join(stateDir, "cwd");
  mkdirSync(home);
  mkdirSync(cwd);

  const spawned: DrivenProcess[] = [];
  let closed = false;
  let env: Record<string, string> = {};
  // A harness that stops mid-run (Ctrl-C) ends the engine's processes here; the tag sweep after
  // it ends the rest, and removes the state folder.
  activeRuns.attach(run, {
    stop: async () => {
      closed = true;
      for (const p of spawned) p.signal("SIGKILL");
      await engine.cleanup?.(env).catch(() => undefined);
    },
  });

  let prepared: PreparedRun | undefined;
  let decoy: MirrorDecoy | null = null;
  let driven: Driven | null = null;
  let error: string | null = null;
  let checks: Check[] = [];
  const groups = new Map<number, SeenGroup>();
  let midTurn: TimedProcesses | null = null;
  const snapshot = async (take: (processes: ProcessInfo[]) => RunSnapshot): Promise<void> => {
    if (options.onSnapshot !== undefined) options.onSnapshot({ run, scenario: transition.id }, take((await probe.scan()).filter((p) => p.run === run)));
  };
  // Every process group a job-tagged process is seen in: what no-surviving-group looks at after
  // the job, members tagged or not.
  const noteGroups = (scanned: readonly ProcessInfo[]): void => {
    for (const p of scanned) {
      if (p.job !== job || !isAlive(p)) continue;
      const leader = scanned.find((q) => q.pid === p.pgid);
      const known = groups.get(p.pgid);
      if (known === undefined) groups.set(p.pgid, { pgid: p.pgid, leaderStarttime: leader?.starttime ?? null });
      else if (known.leaderStarttime === null && leader !== undefined) known.leaderStarttime = leader.starttime;
    }
  };
  const scanJob = async (): Promise<ProcessInfo[]> => {
    const scanned = await probe.scan();
    noteGroups(scanned);
    return scanned;
  };
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      await scanJob();
      await sleep(WATCH_INTERVAL_MS);
    }
  })();

  try {
    if (adapter.prepare !== undefined) {
      if ("skip" in transition.plan.real) throw new Error(`${transition.id} does not run on ${adapter.name}: ${transition.plan.real.skip}`);
      prepared = await adapter.prepare({ turn: transition.plan.real.turn });
    }
    const launch = adapter.launch();
    // HOME is the run's own, so the engine's state (acpx's ~/.acpx, say) starts empty and goes with
    // the run; a real adapter's profile brings its own temporary HOME.
    const overlay: Record<string, string> = { HOME: home, ...launch.env, ...prepared?.env, ...fakeKnobs(transition), [RUN_TAG]: run, [JOB_TAG]: job };
    env = { ...(process.env as Record<string, string>), ...overlay };
    const agent = { command: "env", args: [`${RUN_TAG}=${run}`, `${JOB_TAG}=${job}`, launch.command, ...launch.args] };
    decoy = await plantMirrorDecoy(run, [launch.command, ...launch.args].join(" "));
    await snapshot((processes) => ({ phase: "before", processes }));

    const guard = (): void => {
      if (closed) throw new RunClosed(`run ${run} ended while ${transition.id} was still driving it`);
    };
    const start = async (command: string, args: readonly string[], opts: SpawnOptions = {}): Promise<DrivenProcess> => {
      guard();
      const label = opts.label ?? command;
      const line = commandLine(command, args, { ...overlay, ...opts.env });
      const p = await DrivenProcess.start(label, command, args, { ...env, ...opts.env }, line);
      spawned.push(p);
      note(`${label} (pid ${p.pid}): ${line}`);
      void p.exited.then((exit) => {
        const last = p.stdout.at(-1);
        note(`${label} (pid ${p.pid}) ended: ${exit.signal ?? `exit ${exit.code}`}${last === undefined ? "" : `; its last line: ${last.slice(0, 240)}`}`);
      });
      if (closed) p.signal("SIGKILL");
      return p;
    };
    const roots = (scanned: readonly ProcessInfo[]): ProcessInfo[] => {
      const mine = scanned.filter((p) => p.job === job && isAlive(p));
      const engineParents = new Set(mine.filter(engine.isEngineProcess).map((p) => p.pid));
      return mine.filter((p) => !engine.isEngineProcess(p) && engineParents.has(p.ppid));
    };
    const ctx: DriveContext = {
      run,
      job,
      cwd,
      agent,
      plan: transition.plan,
      chainSize: adapter.chain.length,
      spawn: start,
      call: async (command, args, opts) => {
        const p = await start(command, args, opts);
        await p.exited;
        return p;
      },
      chainUp: async () => {
        const settled = await waitUntil(
          async () => {
            guard();
            const scanned = await scanJob();
            const top = roots(scanned);
            const chain = scanned.filter((p) => p.job === job && isAlive(p) && !engine.isEngineProcess(p));
            return { top, size: chain.length, scanned };
          },
          // Done when the chain is whole, or when every engine process we started has exited and
          // nothing more will come up.
          (seen) => (seen.top.length > 0 && seen.size >= adapter.chain.length) || spawned.every((p) => p.hasExited),
          { deadlineMs: Math.min(options.transitionTimeoutMs / 2, 30_000), intervalMs: 100 },
        );
        note(`adapter chain up: ${settled.value.size} process(es), root(s) ${settled.value.top.map((p) => p.pid).join(", ") || "none"}`);
        midTurn ??= { uptimeMs: uptimeTicks() * (1000 / TICKS_PER_SECOND), processes: settled.value.scanned.filter((p) => p.run === run && isAlive(p)) };
        // A prompt sent and a chain whole is not yet a turn the adapter has taken up (a real CLI
        // may still be reading it): a moment more, and whatever comes next lands mid-turn.
        await sleep(MID_TURN_SETTLE_MS);
        return settled.value.top;
      },
      checkAlive: (top, at): PrematureCheck => {
        const dead = top.filter((p) => !isSameProcessAlive(p.pid, p.starttime));
        note(`premature-kill witness ${at}: ${dead.length === 0 ? "chain alive" : `dead: ${dead.map((p) => p.pid).join(", ")}`}`);
        return { kind: "checked", at, dead };
      },
      find: async (test) => (await scanJob()).filter((p) => p.job === job && isAlive(p) && test(p)),
      waitGone: async (processes, label) => {
        while (processes.some((p) => isSameProcessAlive(p.pid, p.starttime))) {
          guard();
          await sleep(100);
        }
        note(`${label}: gone`);
      },
      signal: (p, sig, label) => {
        const sent = p instanceof DrivenProcess ? p.signal(sig) : isSameProcessAlive(p.pid, p.starttime) && tryKill(p.pid, sig);
        note(`${sig} → ${label} (pid ${p.pid})${sent ? "" : ": already gone"}`);
      },
      note,
      sleep: (ms) => sleep(ms),
    };

    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TransitionTimeout(`${transition.id} did not end within ${options.transitionTimeoutMs} ms`)), options.transitionTimeoutMs);
    });
    try {
      driven = await Promise.race([transition.drive(ctx), timeout]);
    } finally {
      clearTimeout(timer);
    }
    note(`the engine says the job ended: ${driven.outcome}`);
    await snapshot((processes) => ({ phase: "terminal", job: SHORT_JOB, processes }));

    const judged = driven;
    const settled = await waitUntil(
      async () => survivorChecks({ run, job, shortJob: SHORT_JOB, processes: await scanJob(), groups: [...groups.values()] }),
      (all) => all.every((c) => c.ok),
      { deadlineMs: options.deadlineMs },
    );
    const premature = prematureCheck(SHORT_JOB, judged);
    checks = [outcomeCheck(SHORT_JOB, judged), ...settled.value, ...(premature === null ? [] : [premature]), foreignKillCheck(decoy, mirrorDecoyAlive(decoy))];
    await snapshot((processes) => ({ phase: "after", processes, ledgers: [] }));
  } catch (caught) {
    error = caught instanceof Error ? caught.message : String(caught);
    if (caught instanceof TransitionTimeout) error += "; its processes were reaped by tag";
    note(`error: ${error}`);
    const stderr = spawned.filter((p) => p.stderr.trim() !== "").map((p) => `${p.label} stderr:\n${p.stderr.trim().split("\n").slice(-8).join("\n")}`);
    if (stderr.length > 0) error += `\n${stderr.join("\n")}`;
  } finally {
    closed = true;
    watching = false;
    await watcher;
    if (decoy !== null) await removeMirrorDecoy(decoy);
  }
  // Whatever still carries the run's tag is ours to end, the engine's leak included.
  const reaped = await reapRun(run, probe, [...groups.values()].map((g) => ({ jobId: job, pgid: g.pgid, starttime: g.leaderStarttime })));
  if (reaped.length > 0) note(`reaped ${reaped.length} process(es) still carrying the run's tag`);
  await engine.cleanup?.(env).catch(() => undefined);
  await prepared?.dispose();
  await rm(stateDir, { recursive: true, force: true });
  activeRuns.delete(run);

  const notObservable: { invariant: InvariantName; reason: string }[] = [...engine.notObservable];
  if (driven?.premature.kind === "not-applicable") notObservable.push({ invariant: "no-premature-kill", reason: driven.premature.reason });
  const leaked = reaped.length > 0 || checks.some((c) => !c.ok);
  const result: ScenarioResult = {
    scenario: transition.id,
    title: transition.title,
    adapter: adapter.name,
    faults: [],
    run,
    verdict: leaked ? "fail" : error !== null ? "error" : "pass",
    checks,
    notObservable,
    reaped,
    error,
    durationMs: Date.now() - started,
    engine: engine.name,
  };
  return { result, timeline, midTurn };
}

function tryKill(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}
