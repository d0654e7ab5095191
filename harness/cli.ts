#!/usr/bin/env node
// The reapcheck command line. Exit codes: 0 every invariant held, 1 an invariant failed,
// 2 bad input or the gate could not run.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { FAULTS, parseFaults } from "../engine/faults.js";
import { PROFILES, profileNamed } from "./adapters/profiles.js";
import { defaultConcurrency, runGate } from "./gate.js";
import { PACKAGE_ROOT } from "./compiled-paths.js";
import { ProcScan } from "./probes/proc-scan.js";
import { DEFAULT_RUN_OPTIONS } from "./runner.js";
import { installSignalHandlers } from "./shutdown-on-signal.js";
import { loadScenario, scenarioFiles, selectScenarios } from "./scenario.js";
import { scenarioLine, summaryText } from "../reports/text-reporter.js";

export const EXIT = { pass: 0, fail: 1, usage: 2 } as const;

const defaultScenarioDir = join(PACKAGE_ROOT, "scenarios");

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a whole number above 0");
  return n;
};

const collect = (value: string, previous: string[]): string[] => [...previous, value];

class UsageError extends Error {}

function loadAll(dir: string, only: string[]) {
  if (!existsSync(dir)) throw new UsageError(`no scenario folder ${dir}`);
  return selectScenarios(scenarioFiles(dir).map(loadScenario), only);
}

const program = new Command()
  .name("reapcheck")
  .description("Proves a job engine releases everything a job acquired, on every way a job can end.")
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT.usage));

program
  .command("gate")
  .description("run scenarios against the reference engine and check every invariant")
  .option("--only <id>", "run only this scenario (repeatable)", collect, [])
  .option("--fault <name>", "switch on an engine fault (repeatable)", collect, [])
  .option("--adapter <name>", "adapter profile", "fake")
  .option("--scenarios <dir>", "scenario folder", defaultScenarioDir)
  .option("--deadline <ms>", "how long invariants may take to hold", positiveInt, DEFAULT_RUN_OPTIONS.deadlineMs)
  .option("--concurrency <n>", "scenarios run at once", positiveInt, defaultConcurrency())
  .option("--json", "print one JSON result object instead of text")
  .action(async (opts: { only: string[]; fault: string[]; adapter: string; scenarios: string; deadline: number; concurrency: number; json?: boolean }) => {
    const faults = parseFaults(opts.fault);
    const adapter = profileNamed(opts.adapter);
    const availability = adapter.available();
    if (!availability.ok) throw new UsageError(`adapter ${adapter.name} cannot run: ${availability.reason}`);
    const scenarios = loadAll(opts.scenarios, opts.only);
    const gate = await runGate(scenarios, {
      ...DEFAULT_RUN_OPTIONS,
      adapter,
      faults,
      probe: new ProcScan(),
      deadlineMs: opts.deadline,
      concurrency: opts.concurrency,
      onResult: opts.json === true ? undefined : (r) => console.log(scenarioLine(r)),
    });
    console.log(opts.json === true ? JSON.stringify(gate, null, 2) : summaryText(gate));
    process.exitCode = { pass: EXIT.pass, fail: EXIT.fail, error: EXIT.usage }[gate.verdict];
  });

program
  .command("list")
  .description("list scenarios, faults and adapter profiles")
  .option("--scenarios <dir>", "scenario folder", defaultScenarioDir)
  .action((opts: { scenarios: string }) => {
    console.log("scenarios:");
    for (const s of loadAll(opts.scenarios, [])) console.log(`  ${s.id.padEnd(28)} ${s.title}`);
    console.log("faults:");
    for (const [name, what] of Object.entries(FAULTS)) console.log(`  ${name.padEnd(34)} ${what}`);
    console.log("adapters:");
    for (const p of Object.values(PROFILES)) console.log(`  ${p.name.padEnd(10)} ${p.summary}`);
  });

installSignalHandlers();
program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`reapcheck: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = EXIT.usage;
});
