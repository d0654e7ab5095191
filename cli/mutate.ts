// `reapcheck mutate`: the gate once per fault; exits 0 only if every fault is caught by the
// invariant named for it and the clean run passes, 1 if a fault is missed or the clean run fails,
// 2 if a row is undecided because a scenario could not run to its end.
import type { Command } from "commander";
import { type Fault, parseFaults } from "../protocol/faults.js";
import { profileNamed } from "../harness/adapters/registry.js";
import { DEFAULT_PER_ENGINE } from "../harness/gate.js";
import { defaultMutateConcurrency, mutateTable, outcomeWord, runMutate } from "../harness/mutate.js";
import { ProcScan } from "../harness/probes/proc-scan.js";
import { DEFAULT_RUN_OPTIONS } from "../harness/runner.js";
import { exitCodeFor } from "../result/exit-code.js";
import { DEFAULT_SCENARIO_DIR, loadScenarios } from "../harness/scenario.js";
import { ENGINE_COMMAND_HELP, collect, positiveInt } from "./options.js";
import { engineLine, engineUnderTest } from "../harness/describe-engine.js";

interface MutateFlags {
  engineCommand?: string;
  fault: string[];
  targeted?: boolean;
  scenarios: string;
  deadline: number;
  concurrency: number;
  perEngine?: number;
  json?: boolean;
}

export function registerMutate(program: Command): void {
  program
    .command("mutate")
    .description("run the gate once per fault and show which invariant catches each")
    .option("--engine-command <command>", ENGINE_COMMAND_HELP)
    .option("--fault <name>", "only this fault (repeatable; default: every fault the engine implements)", collect, [])
    .option("--targeted", "run each fault only against the scenarios it targets (fast)")
    .option("--scenarios <dir>", "scenario folder", DEFAULT_SCENARIO_DIR)
    .option("--deadline <ms>", "how long invariants may take to hold", positiveInt, DEFAULT_RUN_OPTIONS.deadlineMs)
    .option("--concurrency <n>", "engines run at once, across every fault's gate", positiveInt, defaultMutateConcurrency())
    .option("--per-engine <n>", `scenarios one engine runs side by side (default ${DEFAULT_PER_ENGINE} on the fake adapter, 1 on a real one; 1: an engine each)`, positiveInt)
    .option("--json", "print one JSON result object instead of a table")
    .action(async (flags: MutateFlags) => {
      const asked = parseFaults(flags.fault);
      const scenarios = loadScenarios(flags.scenarios);
      const probe = new ProcScan();
      const engine = await engineUnderTest(flags.engineCommand, asked, probe);
      const faults: Fault[] = asked.length > 0 ? asked : engine.hello.capabilities.faults;
      if (flags.json !== true) console.error(engineLine(engine.hello));
      const result = await runMutate(
        scenarios,
        faults,
        {
          ...DEFAULT_RUN_OPTIONS,
          engine: engine.command,
          capabilities: engine.hello.capabilities,
          adapter: profileNamed("fake"),
          probe,
          deadlineMs: flags.deadline,
          concurrency: flags.concurrency,
          ...(flags.perEngine === undefined ? {} : { perEngine: flags.perEngine }),
        },
        flags.targeted === true,
        flags.json === true ? undefined : (row) => console.error(`${outcomeWord(row.outcome)} ${row.fault}`),
      );
      console.log(flags.json === true ? JSON.stringify(result, null, 2) : mutateTable(result));
      process.exitCode = exitCodeFor(result.verdict);
    });
}
