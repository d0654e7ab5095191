// Whole commands against the goals of issue 16, timed in-process on the fake adapter: the gate
// over the catalogue (engines shared, and one engine a scenario as before), explore's runs per
// second, and with `full` the whole mutation matrix. Every run must come out as it should
// (clean passes, every fault caught): a fast wrong answer is no figure.
import { spawnSync } from "node:child_process";
import { CA_BUNDLE_ENV } from "../../harness/ca-bundle-env.js";
import { profileNamed } from "../../harness/adapters/registry.js";
import { engineUnderTest } from "../../harness/describe-engine.js";
import { runGate } from "../../harness/gate.js";
import { defaultMutateConcurrency, runMutate } from "../../harness/mutate.js";
import { ProcScan } from "../../harness/probes/proc-scan.js";
import { DEFAULT_RUN_OPTIONS } from "../../harness/runner.js";
import { DEFAULT_SCENARIO_DIR, loadScenarios } from "../../harness/scenario.js";
import { explore, exploreOptions } from "../../explore/explore.js";
import { FAULTS, type Fault } from "../../protocol/faults.js";
import type { BenchRow, Figure } from "./bench-row.js";

// Histories differ in length and in the processes they start: over 20 the rate moved by a tenth
// or more from run to run and seed to seed.
const EXPLORE_RUNS = 60;

/**
 * The host's speed as this run found it: the same code measured up to half again slower from one
 * hour to the next on a shared 2-core host, and every figure here is mostly node starts.
 */
function emptyNodeStartMs(): number {
  const env = { ...process.env };
  delete env[CA_BUNDLE_ENV];
  delete env.NODE_OPTIONS;
  const started = performance.now();
  for (let i = 0; i < 20; i++) spawnSync(process.execPath, ["-e", "0"], { env });
  return (performance.now() - started) / 20;
}

async function seconds<T>(run: () => Promise<T>, check: (value: T) => string | null): Promise<number> {
  const started = performance.now();
  const value = await run();
  const wrong = check(value);
  if (wrong !== null) throw new Error(wrong);
  return (performance.now() - started) / 1000;
}

export async function speedBench(full: boolean): Promise<{ rows: BenchRow[]; figures: Figure[] }> {
  const scenarios = loadScenarios(DEFAULT_SCENARIO_DIR);
  const options = { ...DEFAULT_RUN_OPTIONS, adapter: profileNamed("fake"), faults: [], probe: new ProcScan(), concurrency: 2 };
  const passed = (r: { verdict: string }): string | null => (r.verdict === "pass" ? null : `the gate did not pass: ${r.verdict}`);
  const shared = await seconds(() => runGate(scenarios, options), passed);
  const alone = await seconds(() => runGate(scenarios, { ...options, perEngine: 1 }), passed);
  const exploring = await seconds(
    () => explore(exploreOptions(EXPLORE_RUNS, 1, [], new ProcScan())),
    (r) => (r.kind === "clean" ? null : "explore found a violation on the correct engine"),
  );
  const figures: Figure[] = [
    { name: "an empty node start (node -e 0), the host's speed for this run", value: emptyNodeStartMs(), unit: "ms", goal: null, met: null },
    { name: `gate, ${scenarios.length} scenarios, fake adapter, engines shared`, value: shared, unit: "s", goal: "≤ 8 s", met: shared <= 8 },
    { name: "gate, one engine per scenario (before sharing)", value: alone, unit: "s", goal: null, met: null },
    { name: "explore on the reference engine", value: EXPLORE_RUNS / exploring, unit: "runs/s", goal: "≥ 5 runs/s", met: EXPLORE_RUNS / exploring >= 5 },
  ];
  if (full) {
    const all = Object.keys(FAULTS) as Fault[];
    const engine = await engineUnderTest(undefined, all, options.probe);
    const mutate = await seconds(
      () => runMutate(scenarios, all, { ...options, engine: engine.command, capabilities: engine.hello.capabilities, concurrency: defaultMutateConcurrency() }, false),
      (r) => (r.verdict === "pass" ? null : `mutate did not catch every fault: ${r.rows.filter((row) => row.outcome.kind !== "caught").map((row) => row.fault).join(", ")}`),
    );
    figures.push({ name: `full mutate, ${all.length} faults × ${scenarios.length} scenarios`, value: mutate, unit: "s", goal: "≤ 60 s", met: mutate <= 60 });
  }
  return { rows: [], figures };
}
