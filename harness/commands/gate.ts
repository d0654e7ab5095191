// `reapcheck gate`: run scenarios against the reference engine and check every invariant.
import type { Command } from "commander";
import { parseFaults } from "../../engine/faults.js";
import { scenarioLine, summaryText } from "../../reports/text-reporter.js";
import { profileNamed } from "../adapters/profiles.js";
import { defaultConcurrency, runGate } from "../gate.js";
import { ProcScan } from "../probes/proc-scan.js";
import { DEFAULT_RUN_OPTIONS } from "../runner.js";
import { EXIT, UsageError } from "../usage-error.js";
import { DEFAULT_SCENARIO_DIR, collect, loadScenarios, positiveInt } from "./options.js";

interface GateFlags {
  only: string[];
  fault: string[];
  adapter: string;
  scenarios: string;
  deadline: number;
  concurrency: number;
  json?: boolean;
}

export function registerGate(program: Command): void {
  program
    .command("gate")
    .description("run scenarios against the reference engine and check every invariant")
    .option("--only <id>", "run only this scenario (repeatable)", collect, [])
    .option("--fault <name>", "switch on an engine fault (repeatable)", collect, [])
    .option("--adapter <name>", "adapter profile", "fake")
    .option("--scenarios <dir>", "scenario folder", DEFAULT_SCENARIO_DIR)
    .option("--deadline <ms>", "how long invariants may take to hold", positiveInt, DEFAULT_RUN_OPTIONS.deadlineMs)
    .option("--concurrency <n>", "scenarios run at once", positiveInt, defaultConcurrency())
    .option("--json", "print one JSON result object instead of text")
    .action(async (flags: GateFlags) => {
      const faults = parseFaults(flags.fault);
      const adapter = profileNamed(flags.adapter);
      const availability = adapter.available();
      if (!availability.ok) throw new UsageError(`adapter ${adapter.name} cannot run: ${availability.reason}`);
      const scenarios = loadScenarios(flags.scenarios, flags.only);
      const gate = await runGate(scenarios, {
        ...DEFAULT_RUN_OPTIONS,
        adapter,
        faults,
        probe: new ProcScan(),
        deadlineMs: flags.deadline,
        concurrency: flags.concurrency,
        onResult: flags.json === true ? undefined : (r) => console.log(scenarioLine(r)),
      });
      console.log(flags.json === true ? JSON.stringify(gate, null, 2) : summaryText(gate));
      process.exitCode = { pass: EXIT.pass, fail: EXIT.fail, error: EXIT.usage }[gate.verdict];
    });
}
