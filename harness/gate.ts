// The gate: every selected scenario, a few engines at a time, scenarios that can share an engine
// side by side in one.
import { cpus } from "node:os";
import { type GateResult, SCHEMA_VERSION, type ScenarioResult, overall } from "../result/result.js";
import { activeRuns } from "./run-registry.js";
import { packBatches } from "./engine-batches.js";
import { EngineSlots } from "./engine-slots.js";
import { type RunOptions, runScenarios } from "./runner.js";
import type { Scenario } from "./scenario.js";

export interface GateOptions extends RunOptions {
  /** Engines run at once. */
  concurrency: number;
  /** Engine slots shared with gates running beside this one; when given, `concurrency` is theirs. */
  slots?: EngineSlots;
  /** The most scenarios one engine runs side by side; 1: each scenario its own engine. Default: perEngineFor(adapter). */
  perEngine?: number;
  onResult?: (result: ScenarioResult) => void;
}

export const defaultConcurrency = (): number => Math.max(1, cpus().length);

/** Scenarios one engine runs side by side on the fake adapter: their waits overlap, their start-up is paid once. */
export const DEFAULT_PER_ENGINE = 6;

/**
 * A real chain takes seconds of CPU to start, its engine a fraction of that: a real lane gains
 * nothing from sharing, and six chains starting at once on two cores miss their handshakes.
 */
export const perEngineFor = (adapter: RunOptions["adapter"]): number => (adapter.prepare === undefined ? DEFAULT_PER_ENGINE : 1);

export async function runGate(scenarios: readonly Scenario[], options: GateOptions): Promise<GateResult> {
  const results: ScenarioResult[] = new Array(scenarios.length);
  const batches = packBatches(scenarios, options.perEngine ?? perEngineFor(options.adapter));
  const slots = options.slots ?? new EngineSlots(options.concurrency);
  await Promise.all(
    batches.map((batch, rank) =>
      slots.run(rank, async () => {
        if (activeRuns.closing) return;
        for (const result of await runScenarios(batch, options)) {
          results[scenarios.indexOf(batch.find((s) => s.id === result.scenario)!)] = result;
          options.onResult?.(result);
        }
      }),
    ),
  );
  return { schemaVersion: SCHEMA_VERSION, probe: options.probe.name, results: results.filter((r) => r !== undefined), verdict: overall(results) };
}
