#!/usr/bin/env node
// The reapcheck command line: one file per command under commands/.
// Exit codes: 0 every invariant held, 1 an invariant failed, 2 bad input or could not run.
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
import { startWatchdog } from "./start-watchdog.js";
import { EXIT } from "../harness/usage-error.js";

const program = new Command()
  .name("reapcheck")
  .description("Proves a job engine releases everything a job acquired, on every way a job can end.")
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT.usage));

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
  console.error(`reapcheck: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = EXIT.usage;
});
