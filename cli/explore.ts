// `reapcheck explore`: model-based runs with fast-check against the real engine and the fake
// adapter; a counterexample is shrunk, printed with its replay token and written as a scenario.
// Exit 0 nothing found, 1 a counterexample, 2 bad input.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import { parseFaults } from "../protocol/faults.js";
import { EXPLORE_DEFAULTS, explore } from "../explore/explore.js";
import { type FindingLinks, findingText } from "../explore/finding-text.js";
import { DEFAULT_LIMITS } from "../explore/model.js";
import { parseReplay } from "../explore/replay-token.js";
import { scenarioText } from "../explore/scenario-file.js";
import { ProcScan } from "../harness/probes/proc-scan.js";
import { EXIT } from "../result/exit-code.js";
import { collect, positiveInt } from "./options.js";

interface ExploreFlags {
  runs: number;
  concurrency: number;
  seed?: number;
  fault: string[];
  replay?: string;
  maxCommands: number;
  maxJobs: number;
  deadline: number;
  out: string;
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError("expected a whole number");
  return n;
}


export function registerExplore(program: Command): void {
  program
    .command("explore")
    .description("random job histories against the real engine, checked after every command; a failure is shrunk and written as a scenario")
    .option("--runs <n>", "histories to try", positiveInt, EXPLORE_DEFAULTS.runs)
    .option("--seed <n>", "fast-check seed (default: random, printed)", integer)
    .option("--concurrency <n>", "histories run at once, stream i from seed + i (the same seed and concurrency give the same histories)", positiveInt, EXPLORE_DEFAULTS.concurrency)
    .option("--fault <name>", "switch on an engine fault (repeatable)", collect, [])
    .option("--replay <seed:path>", "run one counterexample again, as printed by a failing explore")
    .option("--max-commands <n>", "commands per history", positiveInt, EXPLORE_DEFAULTS.maxCommands)
    .option("--max-jobs <n>", "jobs submitted per history", positiveInt, DEFAULT_LIMITS.maxJobs)
    .option("--deadline <ms>", "how long invariants may take to hold after each command", positiveInt, EXPLORE_DEFAULTS.deadlineMs)
    .option("--out <dir>", "where a counterexample's scenario file is written", EXPLORE_DEFAULTS.out)
    .action(async (flags: ExploreFlags) => {
      const faults = parseFaults(flags.fault);
      const replay = flags.replay === undefined ? null : parseReplay(flags.replay);
      const seed = flags.seed ?? Math.floor(Math.random() * 2 ** 31);
      let runs = 0;
      const result = await explore({
        runs: flags.runs,
        seed,
        concurrency: flags.concurrency,
        faults,
        replay,
        limits: { ...DEFAULT_LIMITS, maxJobs: flags.maxJobs },
        maxCommands: flags.maxCommands,
        probe: new ProcScan(),
        deadlineMs: flags.deadline,
        drainMs: EXPLORE_DEFAULTS.drainMs,
        killGraceMs: EXPLORE_DEFAULTS.killGraceMs,
        onRun: (failed) => {
          runs++;
          if (failed || runs % 10 === 0) console.error(`run ${runs}${failed ? ": an invariant failed" : ""}`);
        },
      });
      if (result.kind === "clean") {
        console.log(`reapcheck explore: ${result.runs} histories, every invariant held (seed ${result.seed}, concurrency ${flags.concurrency})`);
        process.exitCode = EXIT.pass;
        return;
      }
      const id = `explore-${result.seed}`;
      let scenario: FindingLinks["scenario"];
      try {
        const replayFlags = `${result.replay} --max-jobs ${flags.maxJobs} --max-commands ${flags.maxCommands}`;
        const { text } = scenarioText(id, result.recorded, { violation: result.violation, faults, replay: replayFlags });
        const file = join(flags.out, `${id}.yaml`);
        await mkdir(flags.out, { recursive: true });
        await writeFile(file, text);
        scenario = { file, id };
      } catch (error) {
        scenario = { error: error instanceof Error ? error.message : String(error) };
      }
      const shapeFlags = `--max-jobs ${flags.maxJobs} --max-commands ${flags.maxCommands}`;
      console.log(findingText(result, { faults, shapeFlags, scenario }));
      process.exitCode = EXIT.fail;
    });
}
