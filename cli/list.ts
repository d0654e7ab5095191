// `reapcheck list`: scenarios, faults and adapter profiles, one line each. The scenario folder is
// read afresh, so a new scenario file shows up here (and runs under the gate) without code.
import type { Command } from "commander";
import { FAULTS } from "../protocol/faults.js";
import { PROFILES } from "../harness/adapters/registry.js";
import type { Scenario } from "../harness/scenario.js";
import { DEFAULT_SCENARIO_DIR, loadScenarios } from "../harness/scenario.js";

/** The ways the scenario's jobs are expected to end, each once: "failed abandoned". */
function expectedEnds(scenario: Scenario): string {
  return [...new Set(Object.values(scenario.expect).map((e) => `${e.status} ${e.reason}`))].join(" + ");
}

export function registerList(program: Command): void {
  program
    .command("list")
    .description("list scenarios, faults and adapter profiles")
    .option("--scenarios <dir>", "scenario folder", DEFAULT_SCENARIO_DIR)
    .action((flags: { scenarios: string }) => {
      console.log("scenarios (id, how its jobs end, what it drives):");
      for (const s of loadScenarios(flags.scenarios)) console.log(`  ${s.id.padEnd(26)} ${expectedEnds(s).padEnd(30)} ${s.title}`);
      console.log("faults:");
      for (const [name, what] of Object.entries(FAULTS)) console.log(`  ${name.padEnd(34)} ${what}`);
      console.log("adapters:");
      for (const p of Object.values(PROFILES)) {
        const availability = p.available();
        console.log(`  ${p.name.padEnd(18)} ${p.summary}${availability.ok ? "" : ` (cannot run here: ${availability.reason})`}`);
      }
      console.log("next: reapcheck explain <scenario> · reapcheck gate --only <scenario> · reapcheck repro <scenario> --fault <fault>");
    });
}
