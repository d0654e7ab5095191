// The reapcheck command line: one file per command in this folder, started by main.ts.
// Exit codes (result/exit-code.ts): 0 every invariant held, 1 an invariant failed, 2 bad input or
// could not run, 3 a bug of reapcheck's own.
import { Command } from "commander";
import { registerConformance } from "./conformance.js";
import { registerExplain } from "./explain.js";
import { registerExplore } from "./explore.js";
import { registerGate } from "./gate.js";
import { registerList } from "./list.js";
import { registerMutate } from "./mutate.js";
import { registerRepro } from "./repro.js";
import { registerSoak } from "./soak.js";
import { registerReap, registerScan } from "./scan.js";
import { installSignalHandlers } from "../harness/shutdown-on-signal.js";
import { startWatchdog } from "../harness/start-watchdog.js";
import { InputError } from "../protocol/input-error.js";
import { EXIT } from "../result/exit-code.js";

const program = new Command()
  .name("reapcheck")
  .description("Proves a job engine releases everything a job acquired, on every way a job can end.")
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT.input));

registerGate(program);
registerList(program);
registerExplain(program);
registerRepro(program);
registerMutate(program);
registerSoak(program);
registerScan(program);
registerReap(program);
registerExplore(program);
registerConformance(program);

installSignalHandlers();
startWatchdog();
program.parseAsync(process.argv).catch((error: unknown) => {
  // Bad input is said in one line; anything else is a bug of ours, and its stack is the report.
  if (error instanceof InputError) {
    console.error(`reapcheck: ${error.message}`);
    process.exitCode = EXIT.input;
  } else {
    console.error("reapcheck: an internal error (a bug in reapcheck; please report it with this trace):");
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = EXIT.bug;
  }
});
