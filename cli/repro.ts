// `reapcheck repro <scenario>`: run one scenario once, watching its processes, and write a repro
// bundle — one Markdown file to attach to a bug report.
import { writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { type Fault, parseFaults } from "../protocol/faults.js";
import { reproMarkdown } from "../reports/repro-bundle.js";
import type { ScenarioResult } from "../result/result.js";
import type { AdapterProfile } from "../harness/adapters/profile.js";
import { PROFILES, profileNamed } from "../harness/adapters/registry.js";
import { runLanes } from "../harness/adapters/run-lanes.js";
import type { Probe } from "../harness/probes/probe.js";
import { ProcScan } from "../harness/probes/proc-scan.js";
import { DEFAULT_RUN_OPTIONS } from "../harness/runner.js";
import type { Scenario } from "../harness/scenario.js";
import { InputError } from "../protocol/input-error.js";
import { exitCodeFor } from "../result/exit-code.js";
import { DEFAULT_SCENARIO_DIR } from "../harness/scenario.js";
import { ENGINE_COMMAND_HELP, collect, positiveInt } from "./options.js";
import { type EngineUnderTest, engineUnderTest } from "../harness/describe-engine.js";
import { displayPath, resolveScenario } from "./resolve-scenario.js";
import { SnapshotCollector } from "./snapshots.js";
import { versions } from "./versions.js";

export interface ReproOptions {
  /** The engine under test, already described; the reference engine when absent. */
  engine?: EngineUnderTest;
  adapter: AdapterProfile;
  faults: readonly Fault[];
  probe: Probe;
  deadlineMs: number;
  /** The command line that writes this bundle again, as the reader will type it. */
  command: string;
  log: (line: string) => void;
}

export async function reproduce(scenario: Scenario, options: ReproOptions): Promise<{ bundle: string; result: ScenarioResult }> {
  const snapshots = new SnapshotCollector();
  const engine = options.engine ?? (await engineUnderTest(undefined, options.faults, options.probe));
  const lanes = await runLanes(
    [options.adapter],
    [scenario],
    {
      ...DEFAULT_RUN_OPTIONS,
      engine: engine.command,
      capabilities: engine.hello.capabilities,
      faults: options.faults,
      probe: options.probe,
      deadlineMs: options.deadlineMs,
      concurrency: 1,
      onSnapshot: snapshots.onSnapshot,
    },
    options.log,
  );
  const ran = lanes.results[0];
  if (ran === undefined) {
    throw new InputError(`${scenario.id} does not run on ${options.adapter.name}: ${lanes.skipped.map((s) => s.reason).join("; ")}`);
  }
  const result = snapshots.attach(ran);
  const bundle = reproMarkdown({
    versions: versions(options.adapter),
    scenario: { file: displayPath(scenario.file), source: scenario.source },
    result,
    command: options.command,
  });
  return { bundle, result };
}

interface ReproFlags {
  engineCommand?: string;
  fault: string[];
  adapter: string;
  scenarios: string;
  deadline: number;
  out?: string;
}

export function registerRepro(program: Command): void {
  program
    .command("repro")
    .description("run one scenario and write a repro bundle: versions, scenario, process tables, leaked groups, ledgers, verdict")
    .argument("<scenario>", "a scenario file, or the id of one in --scenarios")
    .option("--engine-command <command>", ENGINE_COMMAND_HELP)
    .option("--fault <name>", "switch on an engine fault (repeatable)", collect, [])
    .option("--adapter <name>", `adapter profile: ${Object.keys(PROFILES).join(", ")}`, "fake")
    .option("--scenarios <dir>", "scenario folder, for a scenario given by id", DEFAULT_SCENARIO_DIR)
    .option("--deadline <ms>", "how long invariants may take to hold", positiveInt, DEFAULT_RUN_OPTIONS.deadlineMs)
    .option("--out <file>", "write the bundle here instead of stdout")
    .action(async (name: string, flags: ReproFlags) => {
      const faults = parseFaults(flags.fault);
      const adapter = profileNamed(flags.adapter);
      const availability = adapter.available();
      if (!availability.ok) throw new InputError(`adapter ${adapter.name} cannot run: ${availability.reason}`);
      const scenario = resolveScenario(name, flags.scenarios);
      const probe = new ProcScan();
      const engine = await engineUnderTest(flags.engineCommand, faults, probe);
      const command = [
        `npx reapcheck repro ${displayPath(scenario.file)}`,
        ...(flags.engineCommand === undefined ? [] : [`--engine-command ${JSON.stringify(flags.engineCommand)}`]),
        ...faults.map((f) => `--fault ${f}`),
        `--adapter ${adapter.name}`,
        ...(flags.deadline === DEFAULT_RUN_OPTIONS.deadlineMs ? [] : [`--deadline ${flags.deadline}`]),
        ...(flags.out === undefined ? [] : [`--out ${flags.out}`]),
      ].join(" ");
      const { bundle, result } = await reproduce(scenario, { engine, adapter, faults, probe, deadlineMs: flags.deadline, command, log: (line) => console.error(line) });
      if (flags.out === undefined) process.stdout.write(bundle);
      else {
        await writeFile(flags.out, bundle);
        console.error(`wrote ${flags.out}: ${result.scenario} ${result.verdict}`);
      }
      process.exitCode = exitCodeFor(result.verdict);
    });
}
