// `reapcheck conformance`: does an engine shim speak the engine protocol? A few rules, each on the
// real engine process; exit 0 when none fails, 1 when one does.
import type { Command } from "commander";
import { conformanceText, runConformance } from "../harness/conformance.js";
import { referenceEngine, shellEngine } from "../harness/engine-command.js";
import { ProcScan } from "../harness/probes/proc-scan.js";
import { exitCodeFor } from "../result/exit-code.js";
import { ENGINE_COMMAND_HELP } from "./options.js";

export function registerConformance(program: Command): void {
  program
    .command("conformance")
    .description("check that an engine speaks the engine protocol: hello, commands, refusals, shutdown, stdin closed")
    .option("--engine-command <command>", ENGINE_COMMAND_HELP)
    .option("--json", "print one JSON result object instead of text")
    .action(async (flags: { engineCommand?: string; json?: boolean }) => {
      const command = flags.engineCommand === undefined ? referenceEngine() : shellEngine(flags.engineCommand);
      const result = await runConformance(command, new ProcScan());
      console.log(flags.json === true ? JSON.stringify(result, null, 2) : conformanceText(result));
      process.exitCode = exitCodeFor(result.verdict);
    });
}
