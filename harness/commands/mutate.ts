// `reapcheck mutate`: the gate once per fault; exits 0 only if every fault is caught by the
// invariant named for it and the clean run passes.
import type { Command } from "commander";
import { FAULTS, type Fault, parseFaults } from "../../engine/faults.js";
import { profileNamed } from "../adapters/profiles.js";
import { defaultConcurrency } from "../gate.js";
import { mutateTable, runMutate } from "../mutate.js";
import { ProcScan } from "../probes/proc-scan.js";
import { DEFAULT_RUN_OPTIONS } from "../runner.js";
import { EXIT } from "../usage-error.js";
import { DEFAULT_SCENARIO_DIR, collect, loadScenarios, positiveInt } from "./options.js";

interface MutateFlags {
  fault: string[];
  targeted?: boolean;
  scenarios: string;
  deadline: number;
  concurrency: number;
  json?: boolean;
}

export function registerMutate(program: Command): void {
  program
    .command("mutate")
    .description("run the gate once per fault and show which invariant catches each")
    .option("--fault <name>", "only this fault (repeatable; default: all)", collect, [])
    .option("--targeted", "run each fault only against the scenarios it targets (fast)")
    .option("--scenarios <dir>", "scenario folder", DEFAULT_SCENARIO_DIR)
    .option("--deadline <ms>", "how long invariants may take to hold", positiveInt, DEFAULT_RUN_OPTIONS.deadlineMs)
    .option("--concurrency <n>", "scenarios run at once", positiveInt, defaultConcurrency())
    .option("--json", "print one JSON result object instead of a table")
    .action(async (flags: MutateFlags) => {
      const faults: Fault[] = flags.fault.length > 0 ? parseFaults(flags.fault) : (Object.keys(FAULTS) as Fault[]);
      const scenarios = loadScenarios(flags.scenarios);
      const result = await runMutate(
        scenarios,
        faults,
        {
          ...DEFAULT_RUN_OPTIONS,
          adapter: profileNamed("fake"),
          probe: new ProcScan(),
          deadlineMs: flags.deadline,
          concurrency: flags.concurrency,
        },
        flags.targeted === true,
        flags.json === true ? undefined : (row) => console.error(`${row.caught ? "caught" : "MISSED"} ${row.fault}`),
      );
      console.log(flags.json === true ? JSON.stringify(result, null, 2) : mutateTable(result));
      process.exitCode = result.verdict === "pass" ? EXIT.pass : EXIT.fail;
    });
}
