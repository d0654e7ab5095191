// Asks an engine what it is before a run: starts it on a scratch state folder, reads its hello,
// shuts it down and reaps whatever it started. An engine that cannot do that is bad input.
// Conformance drives its scratch engines through the same door.
import { rm } from "node:fs/promises";
import type { Fault } from "../protocol/faults.js";
import { InputError } from "../protocol/input-error.js";
import type { HelloReply } from "../protocol/messages.js";
import type { ProcessInfo } from "../result/process.js";
import { fakeProfile } from "./adapters/registry.js";
import { type EngineCommand, referenceEngine, shellEngine } from "./engine-command.js";
import { EngineProcess, stopEngine } from "./engine-process.js";
import type { Probe } from "./probes/probe.js";
import { groupsOf } from "./observation.js";
import { reapRun } from "./reaper.js";
import { activeRuns } from "./run-registry.js";
import { DEFAULT_RUN_OPTIONS, newRunId } from "./runner.js";

/** An engine on a scratch state folder and the fake adapter, for asking it things outside a scenario. */
export interface ScratchEngine {
  engine: EngineProcess;
  run: string;
  /** Stops it (killed after `stopMs`), reaps what it left and removes its folder; returns what had to be reaped. */
  close(stopMs?: number): Promise<ProcessInfo[]>;
}

export function scratchEngine(command: EngineCommand, probe: Probe): ScratchEngine {
  const run = newRunId();
  const stateDir = activeRuns.openStateDir(run);
  const engine = new EngineProcess({
    run,
    command,
    config: {
      stateDir,
      profiles: { default: fakeProfile.launch() },
      faults: [],
      killGraceMs: DEFAULT_RUN_OPTIONS.killGraceMs,
      handshakeTimeoutMs: DEFAULT_RUN_OPTIONS.handshakeTimeoutMs,
    },
  });
  activeRuns.attach(run, { stop: (ms) => stopEngine(engine, ms) });
  return {
    engine,
    run,
    close: async (stopMs) => {
      await stopEngine(engine, stopMs);
      const left = await reapRun(run, probe, groupsOf(engine.events));
      await rm(stateDir, { recursive: true, force: true });
      activeRuns.delete(run);
      return left;
    },
  };
}

export async function describeEngine(command: EngineCommand, probe: Probe): Promise<HelloReply> {
  const scratch = scratchEngine(command, probe);
  try {
    return await scratch.engine.ready;
  } finally {
    await scratch.close();
  }
}

export interface EngineUnderTest {
  command: EngineCommand;
  hello: HelloReply;
}

/** The engine a command drives, asked for its capabilities first; a fault it lacks is bad input. */
export async function engineUnderTest(flag: string | undefined, faults: readonly Fault[], probe: Probe, helloTimeoutMs?: number): Promise<EngineUnderTest> {
  const command = flag === undefined ? referenceEngine() : shellEngine(flag, helloTimeoutMs);
  const hello = await describeEngine(command, probe);
  const lacking = faults.filter((f) => !hello.capabilities.faults.includes(f));
  if (lacking.length > 0) {
    throw new InputError(
      `${command.label} does not implement fault ${lacking.join(", ")}; it implements: ${hello.capabilities.faults.join(", ") || "none"}`,
    );
  }
  return { command, hello };
}

export function engineLine(hello: HelloReply): string {
  return `engine: ${hello.engine.name} ${hello.engine.version} (protocol ${hello.protocol})`;
}
