// Option parsers and defaults shared by the commands.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { InvalidArgumentError } from "commander";
import { PACKAGE_ROOT } from "../compiled-paths.js";
import { type Scenario, loadScenario, scenarioFiles, selectScenarios } from "../scenario.js";
import { UsageError } from "../usage-error.js";
import type { Probe } from "../probes/probe.js";
import { ProcScan } from "../probes/proc-scan.js";
import { PsScan } from "../probes/ps-scan.js";

export const DEFAULT_SCENARIO_DIR = join(PACKAGE_ROOT, "scenarios");

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a whole number above 0");
  return n;
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Every scenario of a folder, validated before anything runs; `only` picks by id. */
export function loadScenarios(dir: string, only: readonly string[] = []): Scenario[] {
  if (!existsSync(dir)) throw new UsageError(`no scenario folder ${dir}`);
  return selectScenarios(scenarioFiles(dir).map(loadScenario), only);
}

export const PROBES = ["proc", "ps"] as const;
export type ProbeName = (typeof PROBES)[number];

/** /proc where there is one; ps-list and pidusage elsewhere. */
export function defaultProbe(): ProbeName {
  return process.platform === "linux" ? "proc" : "ps";
}

export function makeProbe(name: ProbeName): Probe {
  switch (name) {
    case "proc":
      return new ProcScan();
    case "ps":
      return new PsScan();
  }
}
