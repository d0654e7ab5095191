// Runs one scenario against a fresh engine process: submit, act, wait for every job to end,
// poll the invariants until they hold or the deadline passes, shut down, reap what is left.
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { EngineEvent, EngineSnapshot } from "../protocol/messages.js";
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, DEFAULT_KILL_GRACE_MS } from "../os/process-group.js";
import type { RunSnapshot, ScenarioResult, SnapshotOf } from "../result/result.js";
import type { Fault } from "../protocol/faults.js";
import { crashChainPart } from "./adapters/chain-crash.js";
import { planFor } from "./adapters/lane.js";
import type { AdapterProfile } from "./adapters/profile.js";
import type { EngineCommand } from "./engine-command.js";
import { type Decoy, decoyAlive, plantDecoy, removeDecoy } from "./decoy.js";
import { startRunEngine } from "./run-engine.js";
import { unobservable } from "./engine-plan.js";
import type { Check, InvariantName } from "../result/check.js";
import { type Observation, checkJobs, foreignKills, killsOfHeldChains, prematureKills } from "./invariants.js";
import { groupsOf, observeRun } from "./observation.js";
import type { ProcessInfo } from "../result/process.js";
import type { Probe } from "./probes/probe.js";
import { reapCgroup } from "./cgroup-reaper.js";
import { reapRun } from "./reaper.js";
import type { Action, Scenario } from "./scenario.js";
import { playScenario } from "./scenario-player.js";
import { onProfile } from "./engine-batches.js";
import type { EngineSession } from "./engine-session.js";
import { waitUntil } from "./wait-until.js";


export interface RunOptions {
  /** The engine under test; the reference engine when absent. */
  engine?: EngineCommand;
  adapter: AdapterProfile;
  faults: readonly Fault[];
  probe: Probe;
  /** How long invariants may take to hold once every job has ended. */
  deadlineMs: number;
  /** How long a scenario's jobs may take to end. */
  jobTimeoutMs: number;
  killGraceMs: number;
  handshakeTimeoutMs: number;
  /** Sees the scenario's tagged processes at three moments, for repro bundles and process trees. */
  onSnapshot?: (of: SnapshotOf, snapshot: RunSnapshot) => void;
}

export const DEFAULT_RUN_OPTIONS = {
  deadlineMs: 3_000,
  jobTimeoutMs: 30_000,
  killGraceMs: DEFAULT_KILL_GRACE_MS,
  handshakeTimeoutMs: DEFAULT_HANDSHAKE_TIMEOUT_MS,
} as const;

let runCounter = 0;
const gateId = randomBytes(3).toString("hex");

export function newRunId(): string {
  return `rc${gateId}-${++runCounter}`;
}

/** How far into its first turn a planned crash comes: the prompt is on its way to the model by then. */
const CRASH_DELAY_MS = 300;

/** Events that can end a lease: each is a moment to check that live jobs still hold theirs. */
// agent.prompt_sent also lets the probe see the chain whole, so it learns the ancestry of what would hide its tags.
const LEASE_MOMENTS = new Set<EngineEvent["event"]>(["job.paused", "resource.released", "agent.prompt_sent"]);

/** One scenario in an engine of its own. */
export async function runScenario(scenario: Scenario, options: RunOptions): Promise<ScenarioResult> {
  return (await runScenarios([scenario], options))[0]!;
}

/** Where one scenario's jobs live in the engine it runs in. */
interface Placement {
  /** The engine's run tag. */
  run: string;
  /** The engine id of each of its jobs is this and the job's id. */
  prefix: string;
  profile: string;
  /** Alone in its engine: everything the engine holds is the scenario's. */
  alone: boolean;
}

/** A played scenario, before what its engine left is known. */
interface Played {
  result: Omit<ScenarioResult, "verdict">;
  jobs: ReadonlySet<string>;
}

/**
 * Several scenarios in one engine process, side by side (see engine-batches.ts for which may
 * share). Each is judged on its own jobs only. What the engine leaves that no scenario's jobs
 * account for, a chain lent across scenarios or a scenario that erred, and the batch cannot say
 * whose it is: those scenarios run again, each in an engine of its own, and that verdict stands.
 */
export async function runScenarios(scenarios: readonly Scenario[], options: RunOptions): Promise<ScenarioResult[]> {
  const started = Date.now();
  const run = newRunId();
  const alone = scenarios.length === 1;
  const { engine, profileOf, stateDir, containment, close } = await startRunEngine(run, scenarios, options);
  const decoys: Decoy[] = [];
  let played: Played[] = [];
  try {
    played = await Promise.all(
      scenarios.map((scenario, i) =>
        playOne(scenario, { run, prefix: alone ? `${run}.` : `${run}.${i + 1}-${scenario.id}.`, profile: profileOf(scenario.id), alone }, engine, stateDir, decoys, options),
      ),
    );
  } finally {
    await engine.stop();
    await Promise.all(decoys.map(removeDecoy));
  }
  const left = [...(await reapRun(run, options.probe, groupsOf(engine.events))), ...(await reapCgroup(containment, options.probe))];
  await close();
  const stderr = (await engine.current.exited).stderr.trim();
  const finish = (p: Played, reaped: ProcessInfo[]): ScenarioResult => {
    // A proven leak is a failure even when the run also hit an error: the leak must not hide.
    const all = [...p.result.reaped, ...reaped];
    const leaked = all.length > 0 || p.result.checks.some((c) => !c.ok);
    const error = p.result.error === null || stderr === "" ? p.result.error : `${p.result.error}\nengine stderr:\n${stderr}`;
    const durationMs = alone ? Date.now() - started : p.result.durationMs;
    return { ...p.result, reaped: all, error, verdict: leaked ? "fail" : p.result.error === null ? "pass" : "error", durationMs };
  };
  if (alone) return [finish(played[0]!, left)];

  const crossed = lentAcross(engine.events, played);
  // A lease by a job of no scenario's (-1) puts every verdict in doubt.
  const trusted = played.map((p, i) => left.length === 0 && !crossed.has(-1) && !crossed.has(i) && p.result.error === null);
  const results: ScenarioResult[] = [];
  for (const [i, p] of played.entries()) {
    results.push(trusted[i] ? finish(p, []) : await runScenario(scenarios[i]!, options));
  }
  return results;
}

/** Scenarios one of whose jobs leased a chain another scenario's job started: their verdicts could mix. */
function lentAcross(events: readonly EngineEvent[], played: readonly Played[]): Set<number> {
  const owner = (job: string): number => played.findIndex((p) => p.jobs.has(job));
  const spawnedFor = new Map<number, number>();
  const crossed = new Set<number>();
  for (const e of events) {
    if (e.event === "adapter.spawned") spawnedFor.set(e.pgid, owner(e.jobId));
    if (e.event !== "adapter.leased") continue;
    const from = spawnedFor.get(e.pgid);
    const to = owner(e.jobId);
    if (from !== undefined && from !== to) crossed.add(from).add(to);
  }
  return crossed;
}

async function playOne(
  scenario: Scenario,
  placement: Placement,
  engine: EngineSession,
  stateDir: string,
  decoys: Decoy[],
  options: RunOptions,
): Promise<Played> {
  const started = Date.now();
  const { run, prefix } = placement;
  const jobIdOf = (id: string): string => `${prefix}${id}`;
  const shortId = (id: string): string => (id.startsWith(prefix) ? id.slice(prefix.length) : id);
  // The scenario's jobs: those it submitted and their sub-jobs, however the engine names them.
  const jobs = new Set(scenario.jobs.map((j) => jobIdOf(j.id)));
  const ours = (jobId: string): boolean => placement.alone || jobs.has(jobId) || jobId.startsWith(prefix);
  for (const e of engine.events) if (e.event === "job.started" && e.parent !== null && jobs.has(e.parent)) jobs.add(e.jobId);
  const ourEvent = (e: EngineEvent): boolean => !("jobId" in e) || ours(e.jobId);

  let finalState: EngineSnapshot | null = null;
  const actionErrors: string[] = [];
  /** What acts on the engine as a whole; the player sends cancel and resume itself. */
  const engineAction = async (action: Action): Promise<void> => {
    switch (action.do) {
      case "shutdown": {
        const reply = await engine.request({ cmd: "shutdown" });
        if (!reply.ok) throw new Error(reply.error);
        if (reply.state !== undefined) finalState = reply.state;
        return;
      }
      case "crash-restart":
        await engine.crashAndRestart();
        return;
      case "plant-decoy":
        decoys.push(await plantDecoy(run, stateDir));
        return;
      case "cancel":
      case "resume":
        return;
    }
  };

  /** Everything the invariants look at, from the live engine or, once it has shut down, its last word. */
  const observe = (): Promise<Observation | null> =>
    observeRun({ run, stateDir, probe: options.probe, events: engine.events, enginePids: engine.enginePids }, async () => {
      const reply = engine.isAlive ? await engine.request({ cmd: "state" }) : null;
      return reply?.ok === true && reply.state !== undefined ? reply.state : finalState;
    });
  // Adapters that died without the pool asking (a crash) or were discarded are not premature kills.
  const diedOnTheirOwn = (): Set<number> =>
    new Set(
      engine.events.flatMap((e) =>
        (e.event === "adapter.exited" && !e.killedByPool) || e.event === "adapter.discarded" ? [e.pid] : [],
      ),
    );
  // Premature kills come from two witnesses: the pool saying it killed a chain a live job held
  // (ordered, so never missed), and the process table showing a live job's chain gone.
  const premature = new Map<string, string>();
  let watching = Promise.resolve();
  const watchLeases = (): void => {
    watching = watching.then(async () => {
      const obs = await observe();
      if (obs === null) return;
      for (const [job, detail] of prematureKills(obs, diedOnTheirOwn())) if (ours(job) && !premature.has(job)) premature.set(job, detail);
    });
  };

  // Scans only when someone listens: the gate's invariants do not need these.
  const snapshot = async (take: (processes: ProcessInfo[]) => RunSnapshot): Promise<void> => {
    const hook = options.onSnapshot;
    const mine = (p: ProcessInfo): boolean => p.run === run && (placement.alone || (p.job !== null && ours(p.job)));
    if (hook !== undefined) hook({ run, scenario: scenario.id }, take((await options.probe.scan()).filter(mine)));
  };
  const pendingSnapshots: Promise<void>[] = [];
  let lastLedgers: EngineSnapshot["ledgers"] = [];

  // A real chain crashes from outside: its plan names the part, killed once its first turn is under way.
  const plan = planFor(options.adapter, scenario);
  const crashPart = "crash" in plan ? plan.crash : undefined;
  let crashed: Promise<void> | null = null;
  const crash = (root: number): void => {
    if (crashPart === undefined || crashed !== null) return;
    crashed = sleep(CRASH_DELAY_MS)
      .then(() => crashChainPart(options.adapter, crashPart, root))
      .then(
        () => undefined,
        (e: unknown) => void actionErrors.push(`crash: ${e instanceof Error ? e.message : String(e)}`),
      );
  };

  const stopListening = engine.onEvent((event) => {
    if (event.event === "job.started" && event.parent !== null && jobs.has(event.parent)) jobs.add(event.jobId);
    if (!ourEvent(event)) return;
    if (event.event === "agent.prompt_sent") crash(event.pid);
    if (event.event === "job.terminal") {
      pendingSnapshots.push(snapshot((processes) => ({ phase: "terminal", job: shortId(event.jobId), processes })));
    }
    if (LEASE_MOMENTS.has(event.event)) watchLeases();
  });

  let checks: Check[] = [];
  let notObservable = new Map<InvariantName, string>();
  let error: string | null = null;
  let reaped: ProcessInfo[] = [];
  try {
    const hello = await engine.current.ready;
    notObservable = unobservable(hello.capabilities);
    await snapshot((processes) => ({ phase: "before", processes }));
    // Decoys are in place before anything runs, so no crash can come before them.
    const early = (a: Action): boolean => a.when === undefined && a.do === "plant-decoy";
    for (const action of scenario.actions.filter(early)) await engineAction(action);
    const submitted = scenario.jobs.map((job) => ({ id: job.id, engineId: jobIdOf(job.id), flow: placement.alone ? job.flow : onProfile(job.flow, placement.profile) }));
    const play = await playScenario(engine, submitted, scenario.actions.filter((a) => !early(a)), { jobTimeoutMs: options.jobTimeoutMs, engineAction });
    if (play.problems.length > 0) throw new Error(play.problems.join("; "));
    if (crashPart !== undefined && crashed === null) throw new Error(`the plan's crash of the ${crashPart} never came: no turn was sent`);
    await crashed;
    actionErrors.push(...play.actionErrors);
    await watching;

    // Polled until every check holds and no release of the scenario's jobs is under way: a
    // ledger seen between a release's two halves (the double-release fault) would otherwise pass.
    let quiet = false;
    const evaluate = async (): Promise<Check[]> => {
      const obs = await observe();
      if (obs === null) throw new Error(`the engine exited without a final state${actionErrors.length > 0 ? ` (${actionErrors.join("; ")})` : ""}`);
      const releasing = obs.state.releasing;
      quiet = releasing === undefined ? obs.state.releasesInFlight === 0 : !releasing.some(ours);
      lastLedgers = obs.state.ledgers;
      const ids = new Set([...scenario.jobs.map((j) => jobIdOf(j.id)), ...obs.state.jobs.map((j) => j.id).filter(ours)]);
      const expected = new Map([...ids].map((id) => [id, scenario.expect[shortId(id)] ?? null]));
      return checkJobs(expected, obs, premature).filter((c) => !notObservable.has(c.invariant));
    };
    for (const [job, detail] of killsOfHeldChains(engine.events)) if (ours(job) && !premature.has(job)) premature.set(job, detail);
    const settled = await waitUntil(evaluate, (all) => quiet && all.every((c) => c.ok), { deadlineMs: options.deadlineMs });
    checks = settled.value.map((c) => ({ ...c, job: shortId(c.job) }));
    checks.push(...foreignKills(decoys.map((d) => ({ pid: d.pid, alive: decoyAlive(d) }))));
    await Promise.all(pendingSnapshots);
    await snapshot((processes) => ({ phase: "after", processes, ledgers: lastLedgers }));
    if (actionErrors.length > 0) throw new Error(`actions failed: ${actionErrors.join("; ")}`);
  } catch (caught) {
    error = caught instanceof Error ? caught.message : String(caught);
  } finally {
    stopListening();
    // Sharing an engine, the scenario's own leftovers are reaped now, by its jobs' tags and groups.
    if (!placement.alone) reaped = await reapRun(run, options.probe, groupsOf(engine.events), jobs);
  }
  return {
    jobs,
    result: {
      scenario: scenario.id,
      title: scenario.title,
      adapter: options.adapter.name,
      faults: [...options.faults],
      run,
      checks,
      notObservable: [...notObservable].map(([invariant, reason]) => ({ invariant, reason })),
      reaped,
      error,
      durationMs: Date.now() - started,
    },
  };
}
