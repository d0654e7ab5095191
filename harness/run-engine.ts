// Starting the engine for one run: a state folder, the adapter's launch (and, for a real
// adapter, its per-run set-up), the run registered for signals and the watchdog. The gate, the
// soak and anything else that drives an engine start it here, and end it with `close`.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { prepareRun } from "./adapters/lane.js";
import type { Fault } from "../protocol/faults.js";
import type { AdapterProfile } from "./adapters/profiles.js";
import { type EngineCommand, referenceEngine } from "./engine-command.js";
import { EngineSession } from "./engine-session.js";
import { activeRuns } from "./run-registry.js";
import type { EngineSettings } from "./scenario.js";

export interface RunEngineOptions {
  /** The engine under test; the reference engine when absent. */
  engine?: EngineCommand;
  adapter: AdapterProfile;
  faults: readonly Fault[];
  killGraceMs: number;
  handshakeTimeoutMs: number;
}

export interface RunEngine {
  engine: EngineSession;
  stateDir: string;
  /** Forgets the run and removes its state; call after the engine stopped and the run was reaped. */
  close(): Promise<void>;
}

export async function startRunEngine(
  run: string,
  scenario: { id: string; engine: EngineSettings },
  options: RunEngineOptions,
  label = "reapcheck",
): Promise<RunEngine> {
  const stateDir = await mkdtemp(join(tmpdir(), `${label}-${run}-`));
  // A real adapter's run needs its own model stub and HOME; the fake needs nothing.
  const prepared = await prepareRun(options.adapter, scenario.id);
  const launch = options.adapter.launch();
  activeRuns.add(run, stateDir);
  const engine = new EngineSession({
    run,
    command: options.engine ?? referenceEngine(),
    config: {
      stateDir,
      profiles: { default: { ...launch, env: { ...launch.env, ...prepared?.env } } },
      faults: [...options.faults],
      killGraceMs: scenario.engine.kill_grace_ms ?? options.killGraceMs,
      // A real CLI needs seconds to initialize: a scenario's short timeout (for the fake's hang)
      // must not fail it.
      handshakeTimeoutMs: Math.max(scenario.engine.handshake_timeout_ms ?? options.handshakeTimeoutMs, options.adapter.minHandshakeMs ?? 0),
    },
  });
  activeRuns.attach(run, engine);
  return {
    engine,
    stateDir,
    close: async () => {
      activeRuns.delete(run);
      await rm(stateDir, { recursive: true, force: true });
      await prepared?.dispose();
    },
  };
}
