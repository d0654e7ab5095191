// Runs one scenario against a fresh engine process: submit, act, wait for every job to end,
// poll the invariants until they hold or the deadline passes, shut down, reap what is left.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EngineEvent, EngineSnapshot } from "../engine/engine.js";
import type { AdapterProfile } from "./adapters/profiles.js";
import { EngineProcess } from "./engine-process.js";
import { type Check, type Lease, checkJob } from "./invariants.js";
import type { Probe } from "./probes/probe.js";
import { reapRun } from "./reaper.js";
import { activeRuns } from "./run-registry.js";
import type { Action, Scenario } from "./scenario.js";
import { waitUntil } from "./wait-until.js";
import type { ScenarioResult } from "../reports/result.js";

export interface RunOptions {
  adapter: AdapterProfile;
  faults: readonly string[];
  probe: Probe;
  /** How long invariants may take to hold once every job has ended. */
  deadlineMs: number;
  /** How long a scenario's jobs may take to end. */
  jobTimeoutMs: number;
  killGraceMs: number;
  handshakeTimeoutMs: number;
}

export const DEFAULT_RUN_OPTIONS = {
  deadlineMs: 3_000,
  jobTimeoutMs: 30_000,
  killGraceMs: 1_000,
  handshakeTimeoutMs: 10_000,
} as const;

let runCounter = 0;
const gateId = randomBytes(3).toString("hex");

export function newRunId(): string {
  return `rc${gateId}-${++runCounter}`;
}

function matches(action: Action, event: EngineEvent, jobIdOf: (id: string) => string): boolean {
  const when = action.when;
  if (when === undefined || event.event !== when.event) return false;
  if (!("jobId" in event) || event.jobId !== jobIdOf(when.job)) return false;
  return when.step === undefined || ("step" in event && event.step === when.step);
}

export async function runScenario(scenario: Scenario, options: RunOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const run = newRunId();
  const jobIdOf = (id: string): string => `${run}.${id}`;
  const shortId = (id: string): string => id.slice(run.length + 1);
  const stateDir = await mkdtemp(join(tmpdir(), `reapcheck-${run}-`));
  const profilesFile = join(stateDir, "profiles.json");
  await writeFile(profilesFile, JSON.stringify({ default: options.adapter.launch() }));
  activeRuns.add(run);
  const engine = new EngineProcess({
    run,
    stateDir,
    profilesFile,
    faults: options.faults,
    killGraceMs: options.killGraceMs,
    handshakeTimeoutMs: options.handshakeTimeoutMs,
  });
  activeRuns.attach(run, engine);

  let finalState: EngineSnapshot | null = null;
  const actionErrors: string[] = [];
  const perform = async (action: Action): Promise<void> => {
    if (action.delay_ms > 0) await new Promise((r) => setTimeout(r, action.delay_ms));
    const reply =
      action.do === "shutdown"
        ? await engine.request({ cmd: "shutdown" })
        : await engine.request({ cmd: action.do, jobId: jobIdOf(action.job ?? "") });
    if (!reply.ok) actionErrors.push(`${action.do}: ${reply.error}`);
    else if (action.do === "shutdown" && reply.state !== undefined) finalState = reply.state;
  };
  const pendingActions: Promise<void>[] = [];
  const waiting = scenario.actions.filter((a) => a.when !== undefined);
  const stopListening = engine.onEvent((event) => {
    for (const action of [...waiting]) {
      if (!matches(action, event, jobIdOf)) continue;
      waiting.splice(waiting.indexOf(action), 1);
      pendingActions.push(perform(action));
    }
  });

  const result = (verdict: ScenarioResult["verdict"], checks: Check[], reaped: ScenarioResult["reaped"], error: string | null): ScenarioResult => ({
    scenario: scenario.id,
    title: scenario.title,
    adapter: options.adapter.name,
    faults: [...options.faults],
    run,
    verdict,
    checks,
    reaped,
    error,
    durationMs: Date.now() - started,
  });

  let checks: Check[] = [];
  let error: string | null = null;
  try {
    for (const job of scenario.jobs) {
      const reply = await engine.request({ cmd: "submit", jobId: jobIdOf(job.id), flow: job.flow });
      if (!reply.ok) throw new Error(`submit ${job.id}: ${reply.error}`);
    }
    for (const action of scenario.actions.filter((a) => a.when === undefined)) pendingActions.push(perform(action));

    const ended = await Promise.all(
      scenario.jobs.map((job) =>
        engine.waitFor((e) => e.event === "job.terminal" && e.jobId === jobIdOf(job.id), options.jobTimeoutMs),
      ),
    );
    const stuck = scenario.jobs.filter((_, i) => ended[i] === null).map((j) => j.id);
    if (stuck.length > 0) throw new Error(`jobs did not end within ${options.jobTimeoutMs} ms: ${stuck.join(", ")}`);
    await Promise.all(pendingActions);

    const observe = async () => {
      const reply = engine.isAlive ? await engine.request({ cmd: "state" }) : null;
      const state = reply?.ok === true && reply.state !== undefined ? reply.state : finalState;
      if (state === null) throw new Error("the engine exited without a final state");
      const leases: Lease[] = engine.events.flatMap((e) => (e.event === "adapter.leased" ? [{ jobId: e.jobId, pgid: e.pgid }] : []));
      const observation = { run, state, processes: await options.probe.scan(), leases };
      return scenario.jobs.flatMap((job) => checkJob(jobIdOf(job.id), scenario.expect[job.id]!, observation));
    };
    const settled = await waitUntil(observe, (all) => all.every((c) => c.ok), { deadlineMs: options.deadlineMs });
    checks = settled.value.map((c) => ({ ...c, job: shortId(c.job) }));
    if (actionErrors.length > 0) throw new Error(`actions failed: ${actionErrors.join("; ")}`);
  } catch (caught) {
    error = caught instanceof Error ? caught.message : String(caught);
  } finally {
    stopListening();
    await stopEngine(engine);
  }
  const reaped = await reapRun(run, options.probe);
  activeRuns.delete(run);
  await rm(stateDir, { recursive: true, force: true });
  if (error !== null) {
    const exit = engine.exited;
    const stderr = (await exit).stderr.trim();
    return result("error", checks, reaped, stderr === "" ? error : `${error}\nengine stderr:\n${stderr}`);
  }
  const clean = checks.every((c) => c.ok) && reaped.length === 0;
  return result(clean ? "pass" : "fail", checks, reaped, null);
}

/** Graceful shutdown first; an engine that does not answer in time is killed. */
export async function stopEngine(engine: EngineProcess, timeoutMs = 10_000): Promise<void> {
  if (engine.isAlive) {
    const timer = setTimeout(() => engine.kill("SIGKILL"), timeoutMs);
    await engine.request({ cmd: "shutdown" });
    await engine.exited;
    clearTimeout(timer);
  }
}
