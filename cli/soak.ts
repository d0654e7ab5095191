// `reapcheck soak`: hundreds of jobs through one transition, memory sampled all along; the slope
// in MiB per job says whether the path gives its adapter chains back. Exit 0 clean, 1 leak or
// stopped at the memory floor, 2 bad input or refused to start.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";
import { parseFaults } from "../protocol/faults.js";
import { parseByteSize } from "../soak/byte-size.js";
import { MemInfoError, readMemAvailable } from "../soak/mem-available.js";
import { soakSvg } from "../soak/plot.js";
import { SOAK_EXIT, type SoakResult } from "../soak/result.js";
import { DEFAULT_SOAK_OPTIONS, type SoakProgress, runSoak } from "../soak/runner.js";
import { progressLine, summaryText } from "../soak/text.js";
import { profileNamed } from "../harness/adapters/registry.js";
import { ProcScan } from "../harness/probes/proc-scan.js";
import { InputError } from "../protocol/input-error.js";
import { DEFAULT_SCENARIO_DIR, loadScenarios } from "../harness/scenario.js";
import { collect, positiveInt } from "./options.js";

interface SoakFlags {
  jobs: number;
  transition: string;
  fault: string[];
  adapter: string;
  concurrency: number;
  ballastMb?: number;
  memFloor: number;
  hostMemory?: number;
  threshold: number;
  sampleMs: number;
  force?: boolean;
  json?: boolean;
  out?: string;
  scenarios: string;
}

function wholeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected a whole number, 0 or more");
  return n;
}

function nonNegative(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError("expected a number, 0 or more");
  return n;
}

function byteSize(value: string): number {
  const bytes = parseByteSize(value);
  if (bytes === null) throw new InvalidArgumentError("expected a size such as 1GiB, 512MiB or 800MB");
  return bytes;
}

/**
 * On a terminal the line is redrawn in place; in a log, a plain line every twentieth of the run,
 * so a 300-job soak writes twenty lines, not six hundred.
 */
function progressPrinter(): { print: (p: SoakProgress) => void; end: () => void } {
  const tty = process.stderr.isTTY === true;
  let lastPrinted = -1;
  return {
    print: (p) => {
      if (tty) {
        process.stderr.write(`\r\x1b[K${progressLine(p)}`);
        return;
      }
      const every = Math.max(1, Math.floor(p.jobs / 20));
      const done = p.latest.jobsDone;
      if (done === lastPrinted || (done % every !== 0 && done !== p.jobs)) return;
      lastPrinted = done;
      process.stderr.write(`${progressLine(p)}\n`);
    },
    end: () => {
      if (tty) process.stderr.write("\n");
    },
  };
}

async function writeOut(dir: string, result: SoakResult): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "soak.json"), `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(join(dir, "soak.svg"), soakSvg(result));
}

export function registerSoak(program: Command): void {
  program
    .command("soak")
    .description("run many jobs through one transition and measure the memory they leave behind, in MiB per job")
    .option("--jobs <n>", "jobs to run", positiveInt, 300)
    .option("--transition <id>", "the scenario whose job flows every soak job runs", "exit-abandon")
    .option("--fault <name>", "switch on an engine fault (repeatable)", collect, [])
    .option("--adapter <name>", "adapter profile", "fake")
    .option("--concurrency <n>", "jobs in flight at once", positiveInt, DEFAULT_SOAK_OPTIONS.concurrency)
    .option("--ballast-mb <m>", "resident ballast per adapter process, MiB (a fake chain has 3 processes)", wholeNumber)
    .addOption(
      new Option("--mem-floor <size>", "stop spawning and reap before MemAvailable falls below this (e.g. 1GiB, 512MiB)")
        .argParser(byteSize)
        .default(DEFAULT_SOAK_OPTIONS.floorBytes, "1GiB"),
    )
    .addOption(
      new Option("--host-memory <size>", "run the engine and all it starts in a cgroup of this size (e.g. 8GiB): the kernel's OOM killer ends the soak where that host would fall over").argParser(byteSize),
    )
    .option("--threshold <mib>", "slope in MiB per job above which the soak reports a leak", nonNegative, DEFAULT_SOAK_OPTIONS.leakThresholdMibPerJob)
    .option("--sample-ms <ms>", "sample on a timer this often, besides after every job", positiveInt, DEFAULT_SOAK_OPTIONS.sampleIntervalMs)
    .option("--force", "start even when the projected peak does not fit above the floor (the floor still stops the run)")
    .option("--json", "print the result, every sample included, as JSON")
    .option("--out <dir>", "write soak.json and soak.svg into this folder")
    .option("--scenarios <dir>", "scenario folder", DEFAULT_SCENARIO_DIR)
    .action(async (flags: SoakFlags) => {
      const faults = parseFaults(flags.fault);
      const adapter = profileNamed(flags.adapter);
      const availability = adapter.available();
      if (!availability.ok) throw new InputError(`adapter ${adapter.name} cannot run: ${availability.reason}`);
      const [scenario] = loadScenarios(flags.scenarios, [flags.transition]);
      try {
        readMemAvailable();
      } catch (error) {
        if (error instanceof MemInfoError) throw new InputError(`the soak needs the host's MemAvailable: ${error.message}`);
        throw error;
      }
      const progress = progressPrinter();
      const result = await runSoak({
        ...DEFAULT_SOAK_OPTIONS,
        scenario: scenario!,
        jobs: flags.jobs,
        concurrency: flags.concurrency,
        ballastMb: flags.ballastMb ?? null,
        adapter,
        faults,
        probe: new ProcScan(),
        floorBytes: flags.memFloor,
        force: flags.force === true,
        leakThresholdMibPerJob: flags.threshold,
        sampleIntervalMs: flags.sampleMs,
        readMemAvailable,
        ...(flags.hostMemory === undefined ? {} : { hostMemoryBytes: flags.hostMemory }),
        onProgress: progress.print,
      });
      progress.end();
      if (flags.out !== undefined) await writeOut(flags.out, result);
      console.log(flags.json === true ? JSON.stringify(result, null, 2) : summaryText(result));
      process.exitCode = SOAK_EXIT[result.verdict];
    });
}
