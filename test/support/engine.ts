// Starts one real engine process for a test, tagged with a fresh run, and ends it afterwards.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { profileNamed } from "../../harness/adapters/registry.js";
import type { Fault } from "../../protocol/faults.js";
import { type EngineCommand, referenceEngine } from "../../harness/engine-command.js";
import { EngineProcess } from "../../harness/engine-process.js";
import { ProcScan } from "../../harness/probes/proc-scan.js";
import { reapRun } from "../../harness/reaper.js";
import { stopEngine } from "../../harness/engine-process.js";
import { newRunId } from "../../harness/runner.js";

export interface TestEngine {
  run: string;
  engine: EngineProcess;
  stateDir: string;
  /** Shuts the engine down and returns whatever the run left alive (killed by then). */
  close(): Promise<number>;
}

export async function startEngine(faults: Fault[] = [], killGraceMs = 1_000, command: EngineCommand = referenceEngine()): Promise<TestEngine> {
  const run = newRunId();
  const stateDir = await mkdtemp(join(tmpdir(), `reapcheck-test-${run}-`));
  const engine = new EngineProcess({
    run,
    command,
    config: { stateDir, profiles: { default: profileNamed("fake").launch() }, faults, killGraceMs, handshakeTimeoutMs: 5_000 },
  });
  return {
    run,
    engine,
    stateDir,
    close: async () => {
      await stopEngine(engine);
      const left = await reapRun(run, new ProcScan());
      await rm(stateDir, { recursive: true, force: true });
      return left.length;
    },
  };
}

export const agentStep = (name: string, prompt: string, extra: object = {}) => ({ name, agent: { prompt, ...extra } });
