// reapcheck as a library: run the gate, the soak or the explorer from code, check an engine shim's
// conformance, and scan or reap a run's processes. Options are plain objects, results typed
// values; importing it starts nothing, and the SIGKILL watchdog runs only if startWatchdog() is called.
import type { LanesResult } from "../harness/adapters/run-lanes.js";
import { applyBaseline, loadBaseline } from "../engines/baseline.js";
import { BLACK_BOX_DEFAULTS, runBlackBoxGate } from "../engines/gate.js";
import { runLanes } from "../harness/adapters/run-lanes.js";
import { PROFILES, profileNamed } from "../harness/adapters/registry.js";
import { type ConformanceResult, runConformance } from "../harness/conformance.js";
import { engineUnderTest } from "../harness/describe-engine.js";
import { shellEngine, referenceEngine } from "../harness/engine-command.js";
import { defaultConcurrency } from "../harness/gate.js";
import { type ProbeName, defaultProbe, makeProbe } from "../harness/probes/choose-probe.js";
import { ProcScan } from "../harness/probes/proc-scan.js";
import { reapRun as reapTagged } from "../harness/reaper.js";
import { DEFAULT_RUN_OPTIONS } from "../harness/runner.js";
import { DEFAULT_SCENARIO_DIR, type Scenario, loadScenarios as load } from "../harness/scenario.js";
import { type ExploreResult, explore as exploreRuns, exploreOptions } from "../explore/explore.js";
import { parseFaults } from "../protocol/faults.js";
import { containmentLine } from "../os/cgroup.js";
import { InputError } from "../protocol/input-error.js";
import type { HelloReply } from "../protocol/messages.js";
import type { RunSnapshot, SnapshotOf, ScenarioResult } from "../result/result.js";
import type { ProcessInfo } from "../result/process.js";
import { readMemAvailable } from "../soak/mem-available.js";
import type { SoakResult } from "../soak/result.js";
import { DEFAULT_SOAK_OPTIONS, runSoak as soak } from "../soak/runner.js";

export type { Check, InvariantName } from "../result/check.js";
export type { ProcessInfo } from "../result/process.js";
export type { GateResult, ScenarioResult, Verdict } from "../result/result.js";
export { EXIT, exitCodeFor } from "../result/exit-code.js";
export type { Capabilities, EngineInfo, HelloReply } from "../protocol/messages.js";
export type { Fault } from "../protocol/faults.js";
export type { Scenario } from "../harness/scenario.js";
export type { ConformanceResult } from "../harness/conformance.js";
export type { SoakResult } from "../soak/result.js";
export type { ExploreResult } from "../explore/explore.js";
export { InputError };
/** Starts the detached watchdog that reaps this process's runs if it is SIGKILLed; the CLI does. */
export { startWatchdog } from "../harness/start-watchdog.js";

/** A gate's result: every scenario's, the skips with their reasons, and any real chain measured. */
export type GateReport = LanesResult;

export interface GateOptions {
  /** Scenario files or folders, or scenarios already loaded; the shipped catalogue when absent. */
  scenarios?: string | readonly string[] | readonly Scenario[];
  /** Only these scenario ids. */
  only?: readonly string[];
  /** A command that speaks the engine protocol; the reference engine when absent. */
  engineCommand?: string;
  /** How long the engine may take to answer hello; 10 s when absent. */
  helloTimeoutMs?: number;
  /** An adapter profile by name, or "all"; "fake" when absent. */
  adapter?: string;
  /** Named faults to switch on in the engine. */
  faults?: readonly string[];
  /** How long the invariants may take to hold once every job ended. */
  deadlineMs?: number;
  /** Engines run at once (black-box engines: transitions run at once). */
  concurrency?: number;
  /** The most scenarios one engine runs side by side (default 6 on the fake adapter, 1 on a real one); 1: each scenario its own engine. */
  perEngine?: number;
  probe?: ProbeName;
  /** Each scenario's result as it finishes. */
  onResult?: (result: ScenarioResult) => void;
  /** The engine's hello reply (name, version, protocol, capabilities), once it has been asked. */
  onEngine?: (hello: HelloReply) => void;
  /** Skipped lanes and scenarios, and measured chains, as lines for a person. */
  onLog?: (line: string) => void;
  /** The run's tagged processes before, at each terminal event and after the deadline. */
  onSnapshot?: (of: SnapshotOf, snapshot: RunSnapshot) => void;
  /**
   * A black-box engine by name ("acpx", "acp-factory"): an engine that speaks no protocol of ours,
   * driven through its transitions from outside. Exclusive with `engineCommand`.
   */
  engine?: string;
  /** Runs of each transition (black-box engines): leaks are reported as a rate with a 95% interval. */
  repeat?: number;
  /** A known-leaks baseline file: known leaks do not fail the gate, new ones do. */
  baseline?: string;
}

/** Names the black-box engines `runGate({ engine })` can drive. */
export { BLACK_BOX_ENGINES } from "../engines/registry.js";
export type { BaselineEntry, BaselineSummary, LeakRate } from "../result/result.js";

/** The gate over a black-box engine: its driver's transitions instead of scenario files. */
async function runEngineGate(engine: string, options: GateOptions): Promise<GateReport> {
  if (options.engineCommand !== undefined) throw new InputError(`--engine ${engine} and --engine-command are exclusive: one names a black-box engine, the other a command that speaks the protocol`);
  if ((options.faults ?? []).length > 0) throw new InputError(`faults are the reference engine's; black-box engine ${engine} has none`);
  if (options.scenarios !== undefined) throw new InputError(`black-box engine ${engine} runs its driver's transitions, not scenario files (select them with only)`);
  if ((options.probe ?? defaultProbe()) !== "proc") throw new InputError(`black-box engine ${engine} needs the /proc probe: only environment tags show what a black box started`);
  const repeat = options.repeat ?? 1;
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > MAX_REPEAT) throw new InputError(`repeat must be a whole number from 1 to ${MAX_REPEAT}`);
  const name = options.adapter ?? "fake";
  const adapters = name === "all" ? Object.values(PROFILES) : [profileNamed(name)];
  const availability = adapters[0]!.available();
  if (name !== "all" && !availability.ok) throw new InputError(`adapter ${name} cannot run: ${availability.reason}`);
  const baseline = options.baseline === undefined ? null : loadBaseline(options.baseline);
  if (baseline?.engine !== null && baseline?.engine !== undefined && baseline.engine !== engine) {
    throw new InputError(`--baseline ${baseline.file} lists leaks of engine ${baseline.engine}, not ${engine}`);
  }
  const report = await runBlackBoxGate({
    engine,
    adapters,
    only: options.only ?? [],
    repeat,
    deadlineMs: options.deadlineMs ?? BLACK_BOX_DEFAULTS.deadlineMs,
    concurrency: options.concurrency ?? defaultConcurrency(),
    probe: new ProcScan(),
    ...(options.onResult === undefined ? {} : { onResult: options.onResult }),
    ...(options.onLog === undefined ? {} : { onLog: options.onLog }),
    ...(options.onSnapshot === undefined ? {} : { onSnapshot: options.onSnapshot }),
  });
  if (report.results.length === 0) throw new InputError(`nothing was checked: every transition of ${engine} was skipped`);
  return baseline === null ? report : applyBaseline(report, baseline);
}

/** More runs than this is a soak, not a gate. */
const MAX_REPEAT = 1_000;

const isLoaded = (s: GateOptions["scenarios"]): s is readonly Scenario[] => Array.isArray(s) && s.length > 0 && typeof s[0] !== "string";

/** The scenarios of files and folders (the shipped catalogue when none), validated; bad input throws InputError. */
export function loadScenarios(paths: string | readonly string[] = DEFAULT_SCENARIO_DIR, only: readonly string[] = []): Scenario[] {
  return load(paths, only);
}

/**
 * Runs scenarios against an engine and checks every invariant, like `reapcheck gate`. Bad input
 * (an unknown adapter, fault or scenario, an engine that does not speak the protocol) throws
 * InputError before anything runs; a gate that ran nothing throws too.
 */
export async function runGate(options: GateOptions = {}): Promise<GateReport> {
  if (options.engine !== undefined) return runEngineGate(options.engine, options);
  if ((options.repeat ?? 1) !== 1) throw new InputError("repeat works with a black-box engine (--engine) only");
  const baseline = options.baseline === undefined ? null : loadBaseline(options.baseline);
  const faults = parseFaults(options.faults ?? []);
  const name = options.adapter ?? "fake";
  const adapters = name === "all" ? Object.values(PROFILES) : [profileNamed(name)];
  const availability = adapters[0]!.available();
  if (name !== "all" && !availability.ok) throw new InputError(`adapter ${name} cannot run: ${availability.reason}`);
  const scenarios = isLoaded(options.scenarios) ? [...options.scenarios] : loadScenarios(options.scenarios as string | readonly string[] | undefined, options.only);
  const probe = makeProbe(options.probe ?? defaultProbe());
  const engine = await engineUnderTest(options.engineCommand, faults, probe, options.helloTimeoutMs);
  options.onEngine?.(engine.hello);
  options.onLog?.(containmentLine());
  const report = await runLanes(
    adapters,
    scenarios,
    {
      ...DEFAULT_RUN_OPTIONS,
      faults,
      engine: engine.command,
      capabilities: engine.hello.capabilities,
      probe,
      deadlineMs: options.deadlineMs ?? DEFAULT_RUN_OPTIONS.deadlineMs,
      concurrency: options.concurrency ?? defaultConcurrency(),
      ...(options.perEngine === undefined ? {} : { perEngine: options.perEngine }),
      ...(options.onResult === undefined ? {} : { onResult: options.onResult }),
      ...(options.onSnapshot === undefined ? {} : { onSnapshot: options.onSnapshot }),
    },
    options.onLog ?? (() => undefined),
  );
  if (report.results.length === 0) {
    throw new InputError(`nothing was checked: ${scenarios.length === 0 ? "no scenario was selected" : "every scenario was skipped"}`);
  }
  return baseline === null ? report : applyBaseline(report, baseline);
}

export interface SoakOptions {
  /** The scenario file, or the id of a shipped one, whose jobs each soak pass submits again. */
  transition: string;
  jobs: number;
  faults?: readonly string[];
  adapter?: string;
  /** Stop spawning when MemAvailable comes within one chain of this many bytes. */
  floorBytes?: number;
}

/** Hundreds of jobs through one transition, with the memory slope per job, like `reapcheck soak`. */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const [scenario] = options.transition.endsWith(".yaml") ? load(options.transition) : load(DEFAULT_SCENARIO_DIR, [options.transition]);
  return soak({
    ...DEFAULT_SOAK_OPTIONS,
    ...DEFAULT_RUN_OPTIONS,
    scenario: scenario!,
    jobs: options.jobs,
    faults: parseFaults(options.faults ?? []),
    adapter: profileNamed(options.adapter ?? "fake"),
    probe: new ProcScan(),
    floorBytes: options.floorBytes ?? DEFAULT_SOAK_OPTIONS.floorBytes,
    readMemAvailable,
  });
}

export interface ExploreOptions {
  runs: number;
  seed: number;
  faults?: readonly string[];
}

/** fast-check model runs against the reference engine, like `reapcheck explore`. */
export function explore(options: ExploreOptions): Promise<ExploreResult> {
  return exploreRuns(exploreOptions(options.runs, options.seed, parseFaults(options.faults ?? []), new ProcScan()));
}

/** Does an engine shim speak the engine protocol? Like `reapcheck conformance`. */
export function checkConformance(engineCommand?: string, options: { helloTimeoutMs?: number; waitMs?: number } = {}): Promise<ConformanceResult> {
  const command = engineCommand === undefined ? referenceEngine() : shellEngine(engineCommand, options.helloTimeoutMs);
  return runConformance(command, new ProcScan(), options.waitMs === undefined ? {} : { waitMs: options.waitMs });
}

/** Live processes carrying a run's tag (every run's when none is named). */
export async function scanRun(run?: string): Promise<ProcessInfo[]> {
  const found = await new ProcScan().scan();
  return found.filter((p) => p.run !== null && (run === undefined || p.run === run) && p.state !== "Z");
}

/** Kills every live process carrying the run's tag, and returns them. */
export function reapRun(run: string): Promise<ProcessInfo[]> {
  return reapTagged(run, new ProcScan());
}
