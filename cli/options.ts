// Option parsers and defaults shared by the commands.
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { InvalidArgumentError } from "commander";
import type { Fault } from "../protocol/faults.js";
import { MAX_DURATION_MS } from "../protocol/flow-schema.js";
import type { HelloReply } from "../protocol/messages.js";
import { PACKAGE_ROOT } from "../harness/compiled-paths.js";
import { describeEngine } from "../harness/describe-engine.js";
import { type EngineCommand, referenceEngine, shellEngine } from "../harness/engine-command.js";
import { type Scenario, loadScenario, scenarioFiles, selectScenarios } from "../harness/scenario.js";
import { InputError } from "../protocol/input-error.js";
import type { Probe } from "../harness/probes/probe.js";
import { ProcScan } from "../harness/probes/proc-scan.js";
import { PsScan } from "../harness/probes/ps-scan.js";

export const DEFAULT_SCENARIO_DIR = join(PACKAGE_ROOT, "scenarios");

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a whole number above 0");
  // Counts and durations alike: past this a timer fires at once, and no count is that large.
  if (n > MAX_DURATION_MS) throw new InvalidArgumentError(`expected at most ${MAX_DURATION_MS}`);
  return n;
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * Every scenario of the given files and folders, validated before anything runs; `only` picks by
 * id. A folder without a scenario file is bad input: a gate over nothing proves nothing.
 */
export function loadScenarios(paths: string | readonly string[], only: readonly string[] = []): Scenario[] {
  const files = (typeof paths === "string" ? [paths] : paths).flatMap((path) => {
    if (!existsSync(path)) throw new InputError(`no scenario file or folder ${path}`);
    if (!statSync(path).isDirectory()) return [path];
    const found = scenarioFiles(path);
    if (found.length === 0) throw new InputError(`no scenario files (*.yaml) in ${path}`);
    return found;
  });
  return selectScenarios(files.map(loadScenario), only);
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

export const ENGINE_COMMAND_HELP = "the engine to gate: a command that speaks the engine protocol (docs/engine-protocol.md); the reference engine when absent";

export interface EngineUnderTest {
  command: EngineCommand;
  hello: HelloReply;
}

/** The engine a command drives, asked for its capabilities first; a fault it lacks is bad input. */
export async function engineUnderTest(flag: string | undefined, faults: readonly Fault[], probe: Probe): Promise<EngineUnderTest> {
  const command = flag === undefined ? referenceEngine() : shellEngine(flag);
  const hello = await describeEngine(command, probe);
  const lacking = faults.filter((f) => !hello.capabilities.faults.includes(f));
  if (lacking.length > 0) {
    throw new InputError(
      `${command.label} does not implement fault ${lacking.join(", ")}; it implements: ${hello.capabilities.faults.join(", ") || "none"}`,
    );
  }
  return { command, hello };
}

export function engineLine(hello: HelloReply): string {
  return `engine: ${hello.engine.name} ${hello.engine.version} (protocol ${hello.protocol})`;
}
