// The gate over a black-box engine: each selected transition on each adapter lane, `repeat`
// times, a few runs at a time; N runs of one transition fold into one result with its leak rate.
// A transition a lane cannot run is a skip with its reason, never a pass.
import { type ChainRss, chainLine, measureChain } from "../harness/adapters/chain-rss.js";
import { type Skip, openLane } from "../harness/adapters/lane.js";
import type { AdapterProfile } from "../harness/adapters/profile.js";
import type { LanesResult } from "../harness/adapters/run-lanes.js";
import type { Probe } from "../harness/probes/probe.js";
import { activeRuns } from "../harness/run-registry.js";
import { newRunId } from "../harness/runner.js";
import { InputError } from "../protocol/input-error.js";
import { type RunSnapshot, type SnapshotOf, SCHEMA_VERSION, type ScenarioResult, overall } from "../result/result.js";
import type { BlackBoxEngine, Transition } from "./black-box.js";
import { type BlackBoxRun, runTransition } from "./black-box-run.js";
import { foldRuns } from "./leak-rate.js";
import { blackBoxEngineNamed } from "./registry.js";

export interface BlackBoxGateOptions {
  /** The engine by name: acpx, acp-factory. */
  engine: string;
  adapters: readonly AdapterProfile[];
  /** Only these transitions; all when empty. */
  only: readonly string[];
  /** Runs of each transition on each lane. */
  repeat: number;
  deadlineMs: number;
  /** How long one transition may take to end; by default 60 s on the fake chain and 180 s on a real one. */
  transitionTimeoutMs?: number;
  concurrency: number;
  probe: Probe;
  onResult?: (result: ScenarioResult) => void;
  onLog?: (line: string) => void;
  onSnapshot?: (of: SnapshotOf, snapshot: RunSnapshot) => void;
  /** Every single run, with its timeline (the repro bundle's commands). */
  onRun?: (run: BlackBoxRun) => void;
}

/** Engine protocol-free defaults: a black-box engine's own cleanup takes seconds (acpx waits 1.5 s between SIGTERM and SIGKILL). */
export const BLACK_BOX_DEFAULTS = { deadlineMs: 5_000, fakeTimeoutMs: 60_000, realTimeoutMs: 180_000 } as const;

/** The transitions by id, in the driver's order; an unknown id is bad input naming the known ones. */
export function selectTransitions(engine: BlackBoxEngine, only: readonly string[]): Transition[] {
  const unknown = only.filter((id) => !engine.transitions.some((t) => t.id === id));
  if (unknown.length > 0) {
    throw new InputError(`unknown transition${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")} for engine ${engine.name}; known: ${engine.transitions.map((t) => t.id).join(", ")}`);
  }
  return only.length === 0 ? [...engine.transitions] : engine.transitions.filter((t) => only.includes(t.id));
}

/** Which transitions a lane runs: all on the fake chain, on a real one those with a stub turn. */
export function planTransitions(adapter: AdapterProfile, transitions: readonly Transition[]): { run: Transition[]; skipped: Skip[] } {
  const run: Transition[] = [];
  const skipped: Skip[] = [];
  for (const t of transitions) {
    if (adapter.prepare !== undefined && "skip" in t.plan.real) skipped.push({ scenario: t.id, adapter: adapter.name, reason: t.plan.real.skip });
    else run.push(t);
  }
  return { run, skipped };
}

export async function runBlackBoxGate(options: BlackBoxGateOptions): Promise<LanesResult> {
  const { engine, installed } = blackBoxEngineNamed(options.engine);
  const log = options.onLog ?? (() => undefined);
  if (installed !== engine.version) log(`note: ${engine.package} ${installed} is installed; this driver was written against ${engine.version}`);
  const transitions = selectTransitions(engine, options.only);
  const skipped: Skip[] = [];
  const chains: ChainRss[] = [];
  const lanes: { adapter: AdapterProfile; run: Transition[] }[] = [];
  for (const adapter of options.adapters) {
    const run = openLane(adapter, () => planTransitions(adapter, transitions), skipped, log);
    if (run.length > 0) lanes.push({ adapter, run });
  }

  // One work item per run; runs of one (lane, transition) fold into one result when the last ends.
  const groups = lanes.flatMap(({ adapter, run }) => run.map((transition) => ({ adapter, transition, runs: [] as ScenarioResult[] })));
  const items = groups.flatMap((group) => Array.from({ length: options.repeat }, () => group));
  const folded: (ScenarioResult | undefined)[] = new Array(groups.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !activeRuns.closing) {
      const group = items[next++]!;
      const real = group.adapter.prepare !== undefined;
      const ran = await runTransition(group.transition, {
        engine,
        adapter: group.adapter,
        probe: options.probe,
        deadlineMs: options.deadlineMs,
        transitionTimeoutMs: options.transitionTimeoutMs ?? (real ? BLACK_BOX_DEFAULTS.realTimeoutMs : BLACK_BOX_DEFAULTS.fakeTimeoutMs),
        ...(options.onSnapshot === undefined ? {} : { onSnapshot: options.onSnapshot }),
      });
      options.onRun?.(ran);
      group.runs.push(ran.result);
      if (group.runs.length === options.repeat) {
        const result = options.repeat === 1 ? group.runs[0]! : foldRuns(group.runs);
        folded[groups.indexOf(group)] = result;
        options.onResult?.(result);
      }
    }
  };
  for (const { adapter } of lanes) {
    // A real chain's size, measured once per lane: the reader of the report sees what a leak costs.
    if (adapter.prepare !== undefined) {
      const chain = await measureChain(adapter, options.probe, newRunId());
      chains.push(chain);
      log(chainLine(chain));
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, items.length)) }, worker));
  const results = folded.filter((r): r is ScenarioResult => r !== undefined);
  return { schemaVersion: SCHEMA_VERSION, probe: options.probe.name, results, verdict: overall(results), skipped, chains };
}
