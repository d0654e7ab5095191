// Test helpers: the repo's scenarios, run in-process through the real harness and real engines.
import { fileURLToPath } from "node:url";
import { profileNamed } from "../../harness/adapters/registry.js";
import { type GateOptions, runGate } from "../../harness/gate.js";
import { ProcScan } from "../../harness/probes/proc-scan.js";
import { DEFAULT_RUN_OPTIONS } from "../../harness/runner.js";
import { loadScenario, scenarioFiles, selectScenarios, type Scenario } from "../../harness/scenario.js";
import type { GateResult } from "../../result/result.js";

export const SCENARIO_DIR = fileURLToPath(new URL("../../scenarios", import.meta.url));

export function scenarios(...only: string[]): Scenario[] {
  return selectScenarios(scenarioFiles(SCENARIO_DIR).map(loadScenario), only);
}

export function gate(selected: Scenario[], options: Partial<GateOptions> = {}): Promise<GateResult> {
  return runGate(selected, {
    ...DEFAULT_RUN_OPTIONS,
    adapter: profileNamed("fake"),
    faults: [],
    probe: new ProcScan(),
    concurrency: 2,
    // A failing case waits out the deadline; passing ones return as soon as they hold.
    deadlineMs: 2_000,
    ...options,
  });
}

/** Scenario → verdict; an error carries its first line, so a failing assertion says why. */
export function verdicts(result: GateResult): Record<string, string> {
  return Object.fromEntries(
    result.results.map((r) => [r.scenario, r.verdict === "error" ? `error: ${(r.error ?? "").split("\n")[0]}` : r.verdict]),
  );
}

export function failedInvariants(result: GateResult, scenario: string): string[] {
  const found = result.results.find((r) => r.scenario === scenario);
  return [...new Set(found?.checks.filter((c) => !c.ok).map((c) => c.invariant) ?? [])].sort();
}

/** Each failed scenario's failed checks, one line each: the message a failing assertion should carry. */
export function failureSummary(result: GateResult): string {
  return result.results
    .filter((r) => r.verdict !== "pass")
    .flatMap((r) => [
      ...r.checks.filter((c) => !c.ok).map((c) => `${r.scenario} ${c.invariant} [${c.job}]: ${c.detail.split("\n")[0]}`),
      ...(r.reaped.length > 0 ? [`${r.scenario} left-behind: ${r.reaped.map((p) => p.args).join("; ")}`] : []),
      ...(r.error === null ? [] : [`${r.scenario} error: ${r.error.split("\n")[0]}`]),
    ])
    .join("\n");
}
