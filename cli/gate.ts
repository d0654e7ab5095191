// `reapcheck gate`: run scenarios against an engine and check every invariant (api/index.ts runs
// them; this command prints, writes reports and sets the exit code).
import { type Command, Option } from "commander";
import { runGate } from "../api/index.js";
import { BLACK_BOX_DEFAULTS, selectTransitions } from "../engines/gate.js";
import { BLACK_BOX_ENGINES, blackBoxEngineNamed } from "../engines/registry.js";
import { InputError } from "../protocol/input-error.js";
import { PROFILES } from "../harness/adapters/registry.js";
import { engineLine } from "../harness/describe-engine.js";
import { DEFAULT_PER_ENGINE, defaultConcurrency } from "../harness/gate.js";
import { PROBES, type ProbeName, defaultProbe } from "../harness/probes/choose-probe.js";
import { DEFAULT_RUN_OPTIONS } from "../harness/runner.js";
import { DEFAULT_SCENARIO_DIR, loadScenarios } from "../harness/scenario.js";
import { terminalProgress } from "../reports/progress.js";
import { scenarioLine } from "../reports/text-reporter.js";
import { exitCodeFor } from "../result/exit-code.js";
import { FORMATS, type Format, chooseFormat, prepareOutputs, render, writeFiles } from "./gate-output.js";
import { ENGINE_COMMAND_HELP, collect, positiveInt } from "./options.js";
import { SnapshotCollector } from "./snapshots.js";

interface GateFlags {
  only: string[];
  fault: string[];
  adapter: string;
  scenarios: string;
  deadline?: number;
  concurrency: number;
  perEngine?: number;
  json?: boolean;
  format: Format;
  report?: string;
  junit?: string;
  probe: ProbeName;
  engineCommand?: string;
  helloTimeout?: number;
  engine?: string;
  repeat: number;
  baseline?: string;
}

export function registerGate(program: Command): void {
  program
    .command("gate")
    .description("run scenarios against an engine and check every invariant")
    .argument("[scenario...]", "scenario files or folders (default: --scenarios)")
    .option("--engine-command <command>", ENGINE_COMMAND_HELP)
    .option("--engine <name>", `a black-box engine, driven from outside through its own transitions: ${Object.keys(BLACK_BOX_ENGINES).join(", ")}`)
    .option("--repeat <n>", "with --engine: run each transition n times and report leaks as a rate with a 95% interval", positiveInt, 1)
    .option("--baseline <file>", "a known-leaks file: exit 0 when every leak found is listed, 1 on a new one")
    .option("--hello-timeout <ms>", "how long the engine may take to answer hello (default 10000)", positiveInt)
    .option("--only <id>", "run only this scenario (repeatable)", collect, [])
    .option("--fault <name>", "switch on an engine fault (repeatable)", collect, [])
    .option("--adapter <name>", `adapter profile: ${Object.keys(PROFILES).join(", ")} or all`, "fake")
    .option("--scenarios <dir>", "scenario folder", DEFAULT_SCENARIO_DIR)
    .option("--deadline <ms>", `how long invariants may take to hold (default ${DEFAULT_RUN_OPTIONS.deadlineMs}; ${BLACK_BOX_DEFAULTS.deadlineMs} with --engine)`, positiveInt)
    .option("--concurrency <n>", "engines run at once (with --engine: transitions)", positiveInt, defaultConcurrency())
    .option("--per-engine <n>", `scenarios one engine runs side by side (default ${DEFAULT_PER_ENGINE} on the fake adapter, 1 on a real one; 1: an engine each)`, positiveInt)
    .option("--json", "print one JSON result object instead of text (same as --format json)")
    .addOption(new Option("--format <format>", "what to print on stdout").choices(FORMATS).default("text"))
    .option("--report <dir>", "write report.md, report.json, junit.xml and a process tree per failed case")
    .option("--junit <file>", "write the JUnit XML to this file")
    .addOption(new Option("--probe <probe>", "how to see processes: /proc, or ps-list + pidusage").choices(PROBES).default(defaultProbe()))
    .action(async (paths: string[], flags: GateFlags) => {
      const format = chooseFormat(flags.format, flags.json === true);
      if (flags.engine !== undefined && paths.length > 0) throw new InputError(`--engine ${flags.engine} runs its driver's transitions, not scenario files (select them with --only)`);
      // A black-box engine has transitions, not scenario files: --only selects among those.
      const scenarios = flags.engine === undefined ? loadScenarios(paths.length > 0 ? paths : flags.scenarios, flags.only) : null;
      const planned = scenarios?.length ?? selectTransitions(blackBoxEngineNamed(flags.engine ?? "").engine, flags.only).length;
      prepareOutputs(flags);
      const log = format !== "text" ? () => undefined : (line: string) => console.log(line);
      // Reports show each survivor's age and draw the tree of a failed case from these.
      const snapshots = new SnapshotCollector();
      const lanes = flags.adapter === "all" ? Object.keys(PROFILES).length : 1;
      const progress = terminalProgress(planned * lanes);
      const report = await runGate({
        ...(scenarios === null ? { engine: flags.engine, only: flags.only, repeat: flags.repeat } : { scenarios, repeat: flags.repeat }),
        ...(flags.baseline === undefined ? {} : { baseline: flags.baseline }),
        adapter: flags.adapter,
        faults: flags.fault,
        ...(flags.engineCommand === undefined ? {} : { engineCommand: flags.engineCommand }),
        ...(flags.helloTimeout === undefined ? {} : { helloTimeoutMs: flags.helloTimeout }),
        probe: flags.probe,
        ...(flags.deadline === undefined ? {} : { deadlineMs: flags.deadline }),
        concurrency: flags.concurrency,
        ...(flags.perEngine === undefined ? {} : { perEngine: flags.perEngine }),
        onEngine: (hello) => log(engineLine(hello)),
        onLog: log,
        onResult: (r) => {
          if (format === "text") console.log(scenarioLine(r));
          progress.done(r);
        },
        onSnapshot: snapshots.onSnapshot,
      }).finally(() => progress.end());
      const gate = { ...report, results: report.results.map((r) => snapshots.attach(r)) };
      console.log(render(format, gate).trimEnd());
      for (const file of await writeFiles(gate, flags)) console.error(`wrote ${file}`);
      process.exitCode = exitCodeFor(gate.verdict);
    });
}
