// Runs one scenario against a fresh engine process: submit, act, wait for every job to end,
// poll the invariants until they hold or the deadline passes, shut down, reap what is left.
import { randomBytes } from "node:crypto";
import type { EngineEvent, EngineSnapshot } from "../protocol/messages.js";
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, DEFAULT_KILL_GRACE_MS } from "../os/process-group.js";
import type { RunSnapshot, ScenarioResult } from "../result/result.js";
import type { Fault } from "../protocol/faults.js";
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
  /** Sees the run's tagged processes at three moments, for repro bundles and process trees. */
  onSnapshot?: (run: string, snapshot: RunSnapshot) => void;
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

/** Events that can end a lease: each is a moment to check that live jobs still hold theirs. */
// agent.prompt_sent also lets the probe see the chain whole, so it learns the ancestry of what would hide its tags.
const LEASE_MOMENTS = new Set<EngineEvent["event"]>(["job.paused", "resource.released", "agent.prompt_sent"]);

export async function runScenario(scenario: Scenario, options: RunOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const run = newRunId();
  const jobIdOf = (id: string): string => `${run}.${id}`;
  const shortId = (id: string): string => (id.startsWith(`${run}.`) ? id.slice(run.length + 1) : id);
  const { engine, stateDir, containment, close } = await startRunEngine(run, scenario, options);

  let finalState: EngineSnapshot | null = null;
  const decoys: Decoy[] = [];
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
      for (const [job, detail] of prematureKills(obs, diedOnTheirOwn())) if (!premature.has(job)) premature.set(job, detail);
    });
  };

  // Scans only when someone listens: the gate's invariants do not need these.
  const snapshot = async (take: (processes: ProcessInfo[]) => RunSnapshot): Promise<void> => {
    const hook = options.onSnapshot;
    if (hook !== undefined) hook(run, take((await options.probe.scan()).filter((p) => p.run === run)));
  };
  const pendingSnapshots: Promise<void>[] = [];
  let lastLedgers: EngineSnapshot["ledgers"] = [];

  const stopListening = engine.onEvent((event) => {
    if (event.event === "job.terminal") {
      pendingSnapshots.push(snapshot((processes) => ({ phase: "terminal", job: shortId(event.jobId), processes })));
    }
    if (LEASE_MOMENTS.has(event.event)) watchLeases();
  });

  const result = (verdict: ScenarioResult["verdict"], checks: Check[], reaped: ScenarioResult["reaped"], error: string | null): ScenarioResult => ({
    scenario: scenario.id,
    title: scenario.title,
    adapter: options.adapter.name,
    faults: [...options.faults],
    run,
    verdict,
    checks,
    notObservable: [...notObservable].map(([invariant, reason]) => ({ invariant, reason })),
    reaped,
    error,
    durationMs: Date.now() - started,
  });

  let checks: Check[] = [];
  let notObservable = new Map<InvariantName, string>();
  let error: string | null = null;
  try {
    const hello = await engine.current.ready;
    notObservable = unobservable(hello.capabilities);
    await snapshot((processes) => ({ phase: "before", processes }));
    // Decoys are in place before anything runs, so no crash can come before them.
    const early = (a: Action): boolean => a.when === undefined && a.do === "plant-decoy";
    for (const action of scenario.actions.filter(early)) await engineAction(action);
    const jobs = scenario.jobs.map((job) => ({ id: job.id, engineId: jobIdOf(job.id), flow: job.flow }));
    const played = await playScenario(engine, jobs, scenario.actions.filter((a) => !early(a)), { jobTimeoutMs: options.jobTimeoutMs, engineAction });
    if (played.problems.length > 0) throw new Error(played.problems.join("; "));
    actionErrors.push(...played.actionErrors);
    await watching;

    // Polled until every check holds and no release is under way: a ledger seen between a
    // release's two halves (the double-release fault) would otherwise pass.
    let quiet = false;
    const evaluate = async (): Promise<Check[]> => {
      const obs = await observe();
      if (obs === null) throw new Error("the engine exited without a final state");
      quiet = obs.state.releasesInFlight === 0;
      lastLedgers = obs.state.ledgers;
      const ids = new Set([...scenario.jobs.map((j) => jobIdOf(j.id)), ...obs.state.jobs.map((j) => j.id)]);
      const expected = new Map([...ids].map((id) => [id, scenario.expect[shortId(id)] ?? null]));
      return checkJobs(expected, obs, premature).filter((c) => !notObservable.has(c.invariant));
    };
    for (const [job, detail] of killsOfHeldChains(engine.events)) if (!premature.has(job)) premature.set(job, detail);
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
    await engine.stop();
    await Promise.all(decoys.map(removeDecoy));
  }
  const reaped = [...(await reapRun(run, options.probe, groupsOf(engine.events))), ...(await reapCgroup(containment, options.probe))];
  await close();
  // A proven leak is a failure even when the run also hit an error: the leak must not hide.
  const leaked = reaped.length > 0 || checks.some((c) => !c.ok);
  if (error !== null) {
    const stderr = (await engine.current.exited).stderr.trim();
    return result(leaked ? "fail" : "error", checks, reaped, stderr === "" ? error : `${error}\nengine stderr:\n${stderr}`);
  }
  return result(leaked ? "fail" : "pass", checks, reaped, null);
}
