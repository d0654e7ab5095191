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
import type { BlackBoxRun } from "../engines/black-box-run.js";
import { engineReproMarkdown, runToShow } from "../engines/engine-repro.js";
import { BLACK_BOX_DEFAULTS, runBlackBoxGate, selectTransitions } from "../engines/gate.js";
import { BLACK_BOX_ENGINES, blackBoxEngineNamed } from "../engines/registry.js";
import { defaultConcurrency } from "../harness/gate.js";
import { leakRateText } from "../reports/text-reporter.js";

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
  engine?: string;
  only: string[];
  repeat: number;
  fault: string[];
  adapter: string;
  scenarios: string;
  deadline?: number;
  out?: string;
}

/** The repro of a black-box engine's transition: its runs, and the first that leaked shown in full. */
async function reproduceBlackBox(engineName: string, flags: ReproFlags): Promise<{ bundle: string; result: ScenarioResult }> {
  if (flags.engineCommand !== undefined) throw new InputError(`--engine ${engineName} and --engine-command are exclusive`);
  if (flags.fault.length > 0) throw new InputError(`faults are the reference engine's; black-box engine ${engineName} has none`);
  const { engine, installed } = blackBoxEngineNamed(engineName);
  if (flags.only.length !== 1) throw new InputError(`repro --engine ${engineName} writes one transition's bundle: name it with --only <id> (${engine.transitions.map((t) => t.id).join(", ")})`);
  selectTransitions(engine, flags.only);
  const adapter = profileNamed(flags.adapter);
  const availability = adapter.available();
  if (!availability.ok) throw new InputError(`adapter ${adapter.name} cannot run: ${availability.reason}`);
  const snapshots = new SnapshotCollector();
  const runs: BlackBoxRun[] = [];
  const report = await runBlackBoxGate({
    engine: engineName,
    adapters: [adapter],
    only: flags.only,
    repeat: flags.repeat,
    deadlineMs: flags.deadline ?? BLACK_BOX_DEFAULTS.deadlineMs,
    concurrency: defaultConcurrency(),
    probe: new ProcScan(),
    onSnapshot: snapshots.onSnapshot,
    onRun: (run) => runs.push(run),
    onLog: (line) => console.error(line),
  });
  const result = report.results[0];
  const shown = runToShow(runs);
  if (result === undefined || shown === undefined) {
    throw new InputError(`${flags.only[0]} does not run on ${adapter.name}: ${report.skipped.map((s) => s.reason).join("; ")}`);
  }
  const command = [
    `npx reapcheck repro --engine ${engine.name} --only ${flags.only[0]}`,
    `--adapter ${adapter.name}`,
    ...(flags.repeat === 1 ? [] : [`--repeat ${flags.repeat}`]),
    ...(flags.deadline === undefined ? [] : [`--deadline ${flags.deadline}`]),
    ...(flags.out === undefined ? [] : [`--out ${flags.out}`]),
  ].join(" ");
  const bundle = engineReproMarkdown({
    engine,
    installed,
    versions: versions(adapter),
    shown: snapshots.attach(shown.result),
    timeline: shown.timeline,
    midTurn: shown.midTurn,
    runs: runs.map((r) => r.result),
    command,
  });
  return { bundle, result };
}

export function registerRepro(program: Command): void {
  program
    .command("repro")
    .description("run one scenario and write a repro bundle: versions, scenario, process tables, leaked groups, ledgers, verdict")
    .argument("[scenario]", "a scenario file, or the id of one in --scenarios (none with --engine)")
    .option("--engine-command <command>", ENGINE_COMMAND_HELP)
    .option("--engine <name>", `a black-box engine (${Object.keys(BLACK_BOX_ENGINES).join(", ")}): write the bundle of one of its transitions`)
    .option("--only <id>", "with --engine: the transition", collect, [])
    .option("--repeat <n>", "with --engine: run it n times; the bundle shows the first run that leaked, and the rate", positiveInt, 1)
    .option("--fault <name>", "switch on an engine fault (repeatable)", collect, [])
    .option("--adapter <name>", `adapter profile: ${Object.keys(PROFILES).join(", ")}`, "fake")
    .option("--scenarios <dir>", "scenario folder, for a scenario given by id", DEFAULT_SCENARIO_DIR)
    .option("--deadline <ms>", `how long invariants may take to hold (default ${DEFAULT_RUN_OPTIONS.deadlineMs}; ${BLACK_BOX_DEFAULTS.deadlineMs} with --engine)`, positiveInt)
    .option("--out <file>", "write the bundle here instead of stdout")
    .action(async (name: string | undefined, flags: ReproFlags) => {
      if (flags.engine !== undefined) {
        if (name !== undefined) throw new InputError(`--engine ${flags.engine} runs its driver's transitions, not scenario files (select one with --only)`);
        const { bundle, result } = await reproduceBlackBox(flags.engine, flags);
        await emit(bundle, result, flags.out);
        return;
      }
      if (name === undefined) throw new InputError("repro needs a scenario (a file, or the id of one), or --engine <name> --only <transition>");
      if (flags.only.length > 0 || flags.repeat !== 1) throw new InputError("--only and --repeat go with --engine; a scenario is named by the argument");
      const deadline = flags.deadline ?? DEFAULT_RUN_OPTIONS.deadlineMs;
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
        ...(deadline === DEFAULT_RUN_OPTIONS.deadlineMs ? [] : [`--deadline ${deadline}`]),
        ...(flags.out === undefined ? [] : [`--out ${flags.out}`]),
      ].join(" ");
      const { bundle, result } = await reproduce(scenario, { engine, adapter, faults, probe, deadlineMs: deadline, command, log: (line) => console.error(line) });
      await emit(bundle, result, flags.out);
    });
}

async function emit(bundle: string, result: ScenarioResult, out: string | undefined): Promise<void> {
  if (out === undefined) process.stdout.write(bundle);
  else {
    await writeFile(out, bundle);
    const rate = result.leakRate === undefined ? "" : ` (${leakRateText(result.leakRate)})`;
    console.error(`wrote ${out}: ${result.scenario} ${result.verdict}${rate}`);
  }
  process.exitCode = exitCodeFor(result.verdict);
}
