// `npm run bench`: the probes, spawn-and-reap against bare spawns, transitions per second, whole
// commands (the gate, explore) and the build of an unchanged tree; with --soak the time of a
// 300-job fake soak, with --mutate the whole mutation matrix.
// Prints a table; writes bench.json and bench.md under reports/out/ (or --out). The goals are
// reported, never asserted: a slow shared machine is not a failing build.
import { mkdir, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { PACKAGE_ROOT } from "../harness/compiled-paths.js";
import { profileNamed } from "../harness/adapters/registry.js";
import { ProcScan } from "../harness/probes/proc-scan.js";
import { reapRun } from "../harness/reaper.js";
import { activeRuns } from "../harness/run-registry.js";
import { newRunId } from "../harness/runner.js";
import { loadScenario } from "../harness/scenario.js";
import { installSignalHandlers } from "../harness/shutdown-on-signal.js";
import { readMemAvailable } from "../soak/mem-available.js";
import { listPids } from "../os/proc-stat.js";
import type { BenchRow, Figure } from "./micro/bench-row.js";
import { type BenchReport, reportText } from "./micro/bench-report.js";
import { probeBench } from "./micro/probe-bench.js";
import { spawnBench } from "./micro/spawn-bench.js";
import { speedBench } from "./micro/speed-bench.js";
import { transitionsBench } from "./micro/transitions-bench.js";
import { buildBench } from "./micro/build-bench.js";
import { DEFAULT_SOAK_OPTIONS, runSoak } from "../soak/runner.js";

const GROUPS = ["probe", "spawn", "engine", "speed", "build"] as const;
type Group = (typeof GROUPS)[number];

const SOAK_JOBS = 300;
const SOAK_GOAL_S = 120;

async function soakFigure(probe: ProcScan): Promise<Figure> {
  const result = await runSoak({
    ...DEFAULT_SOAK_OPTIONS,
    scenario: loadScenario(join(PACKAGE_ROOT, "scenarios", "exit-abandon.yaml")),
    jobs: SOAK_JOBS,
    adapter: profileNamed("fake"),
    faults: [],
    probe,
    readMemAvailable,
  });
  if (result.verdict !== "clean") throw new Error(`the ${SOAK_JOBS}-job soak was not clean: ${result.reasons.join("; ")}`);
  const seconds = result.durationMs / 1000;
  return { name: `${SOAK_JOBS}-job fake soak, exit-abandon, sound engine`, value: seconds, unit: "s", goal: `≤ ${SOAK_GOAL_S} s`, met: seconds <= SOAK_GOAL_S };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: "string", default: join(PACKAGE_ROOT, "reports", "out", `bench-${new Date().toISOString().replace(/[:.]/g, "-")}`) },
      only: { type: "string", multiple: true, default: [] },
      soak: { type: "boolean", default: false },
      mutate: { type: "boolean", default: false },
    },
  });
  const unknown = values.only.filter((g) => !(GROUPS as readonly string[]).includes(g));
  if (unknown.length > 0) throw new Error(`unknown group ${unknown.join(", ")}; groups: ${GROUPS.join(", ")}`);
  const wanted = (group: Group): boolean => values.only.length === 0 || values.only.includes(group);

  installSignalHandlers();
  const run = newRunId();
  activeRuns.add(run);
  const probe = new ProcScan();
  const startedAt = new Date().toISOString();
  const rows: BenchRow[] = [];
  const figures: Figure[] = [];
  const add = (part: { rows: BenchRow[]; figures: Figure[] }): void => {
    rows.push(...part.rows);
    figures.push(...part.figures);
  };
  try {
    if (wanted("probe")) {
      add(await probeBench(run, 100));
      // Enough more that the whole table holds 1,000 processes, as a busy CI host's does.
      add(await probeBench(run, Math.max(100, 1_000 - listPids().length)));
    }
    if (wanted("spawn")) add(await spawnBench(run, loadScenario(join(PACKAGE_ROOT, "scenarios", "exit-abandon.yaml")), probe));
    if (wanted("engine")) add(await transitionsBench(run));
    if (wanted("speed")) add(await speedBench(values.mutate));
    if (wanted("build")) add(buildBench());
    if (values.soak) figures.push(await soakFigure(probe));
  } finally {
    const left = await reapRun(run, probe);
    activeRuns.delete(run);
    if (left.length > 0) console.error(`bench: reaped ${left.length} process(es) the benchmarks left behind`);
  }
  const report: BenchReport = { schemaVersion: 1, startedAt, node: process.versions.node, cpus: cpus().length, rows, figures };
  const text = reportText(report);
  await mkdir(values.out, { recursive: true });
  await writeFile(join(values.out, "bench.json"), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(values.out, "bench.md"), text);
  console.log(text);
  console.log(`written: ${join(values.out, "bench.json")}, bench.md`);
}

main().catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
});
