// Starting the engine for one run: a state folder, the adapter's launch (and, for a real
// adapter, its per-run set-up), the run registered for signals and the watchdog. The gate, the
// soak and anything else that drives an engine start it here, and end it with `close`.
import { rm } from "node:fs/promises";
import { type Containment, containRun, killAll, removeRunCgroups } from "../os/cgroup.js";
import { type LaneScenario, prepareRun } from "./adapters/lane.js";
import type { Fault } from "../protocol/faults.js";
import type { AdapterProfile } from "./adapters/profile.js";
import { type EngineCommand, referenceEngine } from "./engine-command.js";
import { EngineSession } from "./engine-session.js";
import { StoppingError, activeRuns } from "./run-registry.js";
import type { EngineSettings } from "./scenario.js";

export interface RunEngineOptions {
  /** The run's own cgroup where one may be made ("auto", the default), or tags only ("off"). */
  cgroups?: "auto" | "off";
  /** A memory limit for the run's cgroup: the host size an OOM is reproduced on. */
  memoryLimitBytes?: number;
  /** The engine under test; the reference engine when absent. */
  engine?: EngineCommand;
  adapter: AdapterProfile;
  faults: readonly Fault[];
  killGraceMs: number;
  handshakeTimeoutMs: number;
}

export interface RunEngine {
  engine: EngineSession;
  /** The adapter profile each scenario's agent steps run on: "default" alone, one per scenario when they share. */
  profileOf(scenario: string): string;
  stateDir: string;
  /** The run's cgroups, or why there are none. */
  containment: Containment;
  /** Forgets the run and removes its state; call after the engine stopped and the run was reaped. */
  close(): Promise<void>;
}

/**
 * One engine for one scenario, or for several that share it (their engine settings are equal):
 * each then has an adapter profile of its own, so the pool never lends one's chain to another.
 */
export async function startRunEngine(
  run: string,
  scenarios: LaneScenario & { engine: EngineSettings } | readonly (LaneScenario & { engine: EngineSettings })[],
  options: RunEngineOptions,
  label = "reapcheck",
): Promise<RunEngine> {
  const all = Array.isArray(scenarios) ? scenarios : [scenarios as LaneScenario & { engine: EngineSettings }];
  const scenario = all[0]!;
  const profileOf = (id: string): string => (all.length === 1 ? "default" : `scenario-${id}`);
  const stateDir = activeRuns.openStateDir(run, label);
  // A real adapter's run needs its own model stub and HOME; the fake needs nothing.
  const prepared = await Promise.all(all.map((s) => prepareRun(options.adapter, s)));
  const dispose = async (): Promise<void> => {
    await Promise.all(prepared.map((p) => p.dispose()));
  };
  // Nothing is awaited from this check to the attach below: a harness that begins to stop either
  // sees this engine in its list, or this run sees it stopping and starts nothing.
  if (activeRuns.closing) {
    await rm(stateDir, { recursive: true, force: true });
    await dispose();
    throw new StoppingError(`run ${run} not started: the harness is stopping`);
  }
  const containment: Containment =
    options.cgroups === "off"
      ? { kind: "tags-only", reason: "cgroups were turned off" }
      : containRun(run, options.memoryLimitBytes === undefined ? {} : { memoryLimitBytes: options.memoryLimitBytes });
  activeRuns.contain(run, containment);
  const engine = new EngineSession({
    run,
    containment,
    command: options.engine ?? referenceEngine(),
    config: {
      stateDir,
      profiles: Object.fromEntries(
        prepared.map(({ launch, env }, i) => [profileOf(all[i]!.id), { ...launch, env: { ...launch.env, ...env } }]),
      ),
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
    profileOf,
    stateDir,
    containment,
    close: async () => {
      // The folder and the cgroups go before the watchdog hears "done": a harness killed in
      // between leaves the watchdog something to remove, never something nobody will.
      await killAll(containment);
      removeRunCgroups(containment);
      await rm(stateDir, { recursive: true, force: true });
      activeRuns.delete(run);
      await dispose();
    },
  };
}
