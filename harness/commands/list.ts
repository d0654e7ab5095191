// `reapcheck list`: scenarios, faults and adapter profiles, one line each.
import type { Command } from "commander";
import { FAULTS } from "../../engine/faults.js";
import { PROFILES } from "../adapters/profiles.js";
import { DEFAULT_SCENARIO_DIR, loadScenarios } from "./options.js";

export function registerList(program: Command): void {
  program
    .command("list")
    .description("list scenarios, faults and adapter profiles")
    .option("--scenarios <dir>", "scenario folder", DEFAULT_SCENARIO_DIR)
    .action((flags: { scenarios: string }) => {
      console.log("scenarios:");
      for (const s of loadScenarios(flags.scenarios)) console.log(`  ${s.id.padEnd(28)} ${s.title}`);
      console.log("faults:");
      for (const [name, what] of Object.entries(FAULTS)) console.log(`  ${name.padEnd(34)} ${what}`);
      console.log("adapters:");
      for (const p of Object.values(PROFILES)) console.log(`  ${p.name.padEnd(18)} ${p.summary}`);
    });
}
