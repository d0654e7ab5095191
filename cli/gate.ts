// `reapcheck gate`: run scenarios against the reference engine and check every invariant.
import { type Command, Option } from "commander";
import { parseFaults } from "../protocol/faults.js";
import { terminalProgress } from "../reports/progress.js";
import { scenarioLine } from "../reports/text-reporter.js";
import { PROFILES, profileNamed } from "../harness/adapters/registry.js";
import { runLanes } from "../harness/adapters/run-lanes.js";
import { defaultConcurrency } from "../harness/gate.js";
import { DEFAULT_RUN_OPTIONS } from "../harness/runner.js";
import { InputError } from "../protocol/input-error.js";
import { exitCodeFor } from "../result/exit-code.js";
import { FORMATS, type Format, chooseFormat, prepareOutputs, render, writeFiles } from "./gate-output.js";
import {
  DEFAULT_SCENARIO_DIR,
  ENGINE_COMMAND_HELP,
  PROBES,
  type ProbeName,
  collect,
  defaultProbe,
  engineLine,
  engineUnderTest,
  loadScenarios,
  makeProbe,
  positiveInt,
} from "./options.js";
import { SnapshotCollector } from "./snapshots.js";

interface GateFlags {
  only: string[];
  fault: string[];
  adapter: string;
  scenarios: string;
  deadline: number;
  concurrency: number;
  json?: boolean;
  format: Format;
  report?: string;
  junit?: string;
  probe: ProbeName;
  engineCommand?: string;
}

export function registerGate(program: Command): void {
  program
    .command("gate")
    .description("run scenarios against an engine and check every invariant")
    .argument("[scenario...]", "scenario files or folders (default: --scenarios)")
    .option("--engine-command <command>", ENGINE_COMMAND_HELP)
    .option("--only <id>", "run only this scenario (repeatable)", collect, [])
    .option("--fault <name>", "switch on an engine fault (repeatable)", collect, [])
    .option("--adapter <name>", `adapter profile: ${Object.keys(PROFILES).join(", ")} or all`, "fake")
    .option("--scenarios <dir>", "scenario folder", DEFAULT_SCENARIO_DIR)
    .option("--deadline <ms>", "how long invariants may take to hold", positiveInt, DEFAULT_RUN_OPTIONS.deadlineMs)
    .option("--concurrency <n>", "scenarios run at once", positiveInt, defaultConcurrency())
    .option("--json", "print one JSON result object instead of text (same as --format json)")
    .addOption(new Option("--format <format>", "what to print on stdout").choices(FORMATS).default("text"))
    .option("--report <dir>", "write report.md, report.json, junit.xml and a process tree per failed case")
    .option("--junit <file>", "write the JUnit XML to this file")
    .addOption(new Option("--probe <probe>", "how to see processes: /proc, or ps-list + pidusage").choices(PROBES).default(defaultProbe()))
    .action(async (paths: string[], flags: GateFlags) => {
      const faults = parseFaults(flags.fault);
      const format = chooseFormat(flags.format, flags.json === true);
      // One named lane that cannot run is bad input; under "all" it is a skip with its reason.
      const adapters = flags.adapter === "all" ? Object.values(PROFILES) : [profileNamed(flags.adapter)];
      const availability = adapters[0]!.available();
      if (flags.adapter !== "all" && !availability.ok) throw new InputError(`adapter ${flags.adapter} cannot run: ${availability.reason}`);
      const scenarios = loadScenarios(paths.length > 0 ? paths : flags.scenarios, flags.only);
      prepareOutputs(flags);
      const probe = makeProbe(flags.probe);
      const engine = await engineUnderTest(flags.engineCommand, faults, probe);
      const log = format !== "text" ? () => undefined : (line: string) => console.log(line);
      log(engineLine(engine.hello));
      // Reports show each survivor's age and draw the tree of a failed case from these.
      const snapshots = new SnapshotCollector();
      const progress = terminalProgress(scenarios.length * adapters.length);
      const lanes = await runLanes(adapters, scenarios, {
        ...DEFAULT_RUN_OPTIONS,
        faults,
        engine: engine.command,
        capabilities: engine.hello.capabilities,
        probe,
        deadlineMs: flags.deadline,
        concurrency: flags.concurrency,
        onResult: (r) => {
          if (format === "text") console.log(scenarioLine(r));
          progress.done(r);
        },
        onSnapshot: snapshots.onSnapshot,
      }, log);
      progress.end();
      const gate = { ...lanes, results: lanes.results.map((r) => snapshots.attach(r)) };
      console.log(render(format, gate).trimEnd());
      for (const file of await writeFiles(gate, flags)) console.error(`wrote ${file}`);
      // A gate that checked nothing proves nothing: it must not read as green.
      if (gate.results.length === 0) throw new InputError(`nothing was checked: ${scenarios.length === 0 ? "no scenario was selected" : "every scenario was skipped"}`);
      process.exitCode = exitCodeFor(gate.verdict);
    });
}
