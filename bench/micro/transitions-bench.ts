// How many jobs per second the engine takes from submit to terminal when no step starts a
// process: the engine's own cost per transition, protocol round trips included.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bench } from "tinybench";
import { profileNamed } from "../../harness/adapters/registry.js";
import { referenceEngine } from "../../harness/engine-command.js";
import { EngineSession } from "../../harness/engine-session.js";
import { activeRuns } from "../../harness/run-registry.js";
import { type BenchRow, type Figure, meanOf, rowsOf } from "./bench-row.js";

const BATCH = 50;
const TASK = `${BATCH} jobs, one sleep_ms: 0 step each, submit to job.terminal`;

export async function transitionsBench(run: string): Promise<{ rows: BenchRow[]; figures: Figure[] }> {
  const stateDir = await mkdtemp(join(tmpdir(), `reapcheck-bench-${run}-`));
  const engine = new EngineSession({
    run,
    command: referenceEngine(),
    config: { stateDir, profiles: { default: profileNamed("fake").launch() }, faults: [], killGraceMs: 1_000, handshakeTimeoutMs: 10_000 },
  });
  activeRuns.attach(run, engine);
  let batch = 0;
  const flow = { steps: [{ name: "noop", sleep_ms: 0 }] };
  const runBatch = async (): Promise<void> => {
    const prefix = `${run}.b${batch++}.`;
    let ended = 0;
    const all = new Promise<void>((resolve) => {
      const off = engine.onEvent((e) => {
        if (e.event === "job.terminal" && e.jobId.startsWith(prefix) && ++ended === BATCH) {
          off();
          resolve();
        }
      });
    });
    const replies = await Promise.all(
      Array.from({ length: BATCH }, (_, i) => engine.request({ cmd: "submit", jobId: `${prefix}${i}`, flow })),
    );
    const refused = replies.find((r) => !r.ok);
    if (refused !== undefined && !refused.ok) throw new Error(`submit refused: ${refused.error}`);
    await all;
  };
  const bench = new Bench({ time: 2_000, iterations: 10, warmupIterations: 2, throws: true });
  bench.add(TASK, runBatch);
  try {
    await bench.run();
  } finally {
    await engine.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
  const rows = rowsOf("engine", bench);
  const perSecond = (BATCH * 1000) / meanOf(rows, TASK);
  return { rows, figures: [{ name: "transitions per second (no-process executor)", value: perSecond, unit: "jobs/s", goal: null, met: null }] };
}
