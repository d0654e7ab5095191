// The gate: every selected scenario, a few at a time, each against its own engine process.
import { cpus } from "node:os";
import { type GateResult, SCHEMA_VERSION, type ScenarioResult, overall } from "../result/result.js";
import { activeRuns } from "./run-registry.js";
import { type RunOptions, runScenario } from "./runner.js";
import type { Scenario } from "./scenario.js";

export interface GateOptions extends RunOptions {
  concurrency: number;
  onResult?: (result: ScenarioResult) => void;
}

export const defaultConcurrency = (): number => Math.max(1, cpus().length);

export async function runGate(scenarios: readonly Scenario[], options: GateOptions): Promise<GateResult> {
  const results: ScenarioResult[] = new Array(scenarios.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < scenarios.length && !activeRuns.closing) {
      const index = next++;
      const result = await runScenario(scenarios[index]!, options);
      results[index] = result;
      options.onResult?.(result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, scenarios.length) }, worker));
  return { schemaVersion: SCHEMA_VERSION, probe: options.probe.name, results, verdict: overall(results) };
}
