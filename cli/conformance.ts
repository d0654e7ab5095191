// `reapcheck conformance`: does an engine shim speak the engine protocol? A few rules, each on the
// real engine process; exit 0 when none fails, 1 when one does.
import type { Command } from "commander";
import { checkConformance } from "../api/index.js";
import { conformanceText } from "../harness/conformance.js";
import { exitCodeFor } from "../result/exit-code.js";
import { ENGINE_COMMAND_HELP, positiveInt } from "./options.js";

export function registerConformance(program: Command): void {
  program
    .command("conformance")
    .description("check that an engine speaks the engine protocol: hello, commands, refusals, shutdown, stdin closed")
    .option("--engine-command <command>", ENGINE_COMMAND_HELP)
    .option("--hello-timeout <ms>", "how long the engine may take to answer hello", positiveInt)
    .option("--wait <ms>", "how long each rule waits for a reply, an event or an exit (default 10000)", positiveInt)
    .option("--json", "print one JSON result object instead of text")
    .action(async (flags: { engineCommand?: string; helloTimeout?: number; wait?: number; json?: boolean }) => {
      const result = await checkConformance(flags.engineCommand, {
        ...(flags.helloTimeout === undefined ? {} : { helloTimeoutMs: flags.helloTimeout }),
        ...(flags.wait === undefined ? {} : { waitMs: flags.wait }),
      });
      console.log(flags.json === true ? JSON.stringify(result, null, 2) : conformanceText(result));
      process.exitCode = exitCodeFor(result.verdict);
    });
}
