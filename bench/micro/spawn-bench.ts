// What a scenario costs beyond the processes it must start: one fake chain spawned and reaped,
// and one whole exit-abandon scenario through the harness, each against bare `node -e 0` spawns
// of the same count, and the scenario against the same engine and chain driven directly (the
// programs' own start-up, module loading and handshake, without the harness's checks).
import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { Bench } from "tinybench";
import { BEHAVIOUR_ENV } from "../../protocol/adapter-launch.js";
import { liveGroupMembers } from "../../os/proc-stat.js";
import { killGroup, taggedWith } from "../../os/process-group.js";
import { JOB_TAG, RUN_TAG } from "../../protocol/tags.js";
import type { AdapterProfile } from "../../harness/adapters/profile.js";
import { profileNamed } from "../../harness/adapters/registry.js";
import type { Probe } from "../../harness/probes/probe.js";
import { startRunEngine } from "../../harness/run-engine.js";
import { DEFAULT_RUN_OPTIONS, newRunId, runScenario } from "../../harness/runner.js";
import type { Scenario } from "../../harness/scenario.js";
import { type BenchRow, type Figure, meanOf, rowsOf } from "./bench-row.js";

function bareNode(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", "0"], { stdio: "ignore" });
    child.once("error", reject);
    child.once("exit", () => resolve());
  });
}

/** The scenario's engine and chain with no harness around them: submit its jobs, wait, stop. */
async function drivenDirectly(scenario: Scenario, adapter: AdapterProfile): Promise<void> {
  const run = newRunId();
  const { engine, close } = await startRunEngine(run, scenario, { ...DEFAULT_RUN_OPTIONS, adapter, faults: [] });
  try {
    for (const job of scenario.jobs) await engine.request({ cmd: "submit", jobId: `${run}.${job.id}`, flow: job.flow });
    for (const job of scenario.jobs) {
      await engine.waitFor((e) => e.event === "resource.released" && e.jobId === `${run}.${job.id}` && e.manager === "workspace-pool", 30_000);
    }
  } finally {
    await engine.stop();
    await close();
  }
}

async function bareNodes(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await bareNode();
}

/** Starts the chain, waits until all its processes are up, ends it as the engine's pool does. */
async function chainSpawnAndReap(adapter: AdapterProfile, run: string): Promise<void> {
  const launch = adapter.launch();
  const child = spawn(launch.command, launch.args, {
    detached: true,
    stdio: ["pipe", "ignore", "ignore"],
    env: { ...process.env, ...launch.env, [BEHAVIOUR_ENV.ballastMb]: "0", [RUN_TAG]: run, [JOB_TAG]: `${run}.chain` },
  });
  const pgid = child.pid;
  if (pgid === undefined) throw new Error("cannot start the fake chain");
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const end = Date.now() + 20_000;
  while (liveGroupMembers(pgid).length < adapter.chain.length) {
    if (Date.now() > end) throw new Error("the fake chain did not come up within 20 s");
    await sleep(5);
  }
  const killed = await killGroup(pgid, { graceMs: 1_000, escalate: true, leaderOnly: false, owns: taggedWith(RUN_TAG, run) });
  if (killed.kind === "survived") throw new Error(`the chain survived its kill: ${killed.pids.join(", ")}`);
  await exited;
}

export async function spawnBench(run: string, scenario: Scenario, probe: Probe): Promise<{ rows: BenchRow[]; figures: Figure[] }> {
  const adapter = profileNamed("fake");
  const chainSize = adapter.chain.length;
  const bench = new Bench({ time: 0, iterations: 12, warmupIterations: 2, throws: true });
  bench
    .add(`bare: node -e 0 × ${chainSize}`, () => bareNodes(chainSize))
    .add("fake chain: spawn, wait until up, reap", () => chainSpawnAndReap(adapter, run))
    .add(`bare: node -e 0 × ${chainSize + 1}`, () => bareNodes(chainSize + 1))
    .add(`scenario ${scenario.id}: engine + chain driven directly`, () => drivenDirectly(scenario, adapter))
    .add(`scenario ${scenario.id}: engine + chain through the harness`, async () => {
      const result = await runScenario(scenario, { ...DEFAULT_RUN_OPTIONS, adapter, faults: [], probe });
      if (result.verdict !== "pass") throw new Error(`scenario ${scenario.id} did not pass: ${result.error ?? result.verdict}`);
    });
  await bench.run();
  const rows = rowsOf("spawn", bench);
  const chain = meanOf(rows, "fake chain: spawn, wait until up, reap") / meanOf(rows, `bare: node -e 0 × ${chainSize}`);
  const harnessed = meanOf(rows, `scenario ${scenario.id}: engine + chain through the harness`);
  const bareRatio = harnessed / meanOf(rows, `bare: node -e 0 × ${chainSize + 1}`);
  const overhead = harnessed / meanOf(rows, `scenario ${scenario.id}: engine + chain driven directly`);
  return {
    rows,
    figures: [
      { name: "fake chain spawn-and-reap / bare spawns", value: chain, unit: "×", goal: null, met: null },
      { name: `scenario ${scenario.id} / node -e 0 × ${chainSize + 1}`, value: bareRatio, unit: "×", goal: null, met: null },
      { name: `scenario ${scenario.id} / its engine and chain driven directly`, value: overhead, unit: "×", goal: "≤ 1.5×", met: overhead <= 1.5 },
    ],
  };
}
