// One scenario's engine across restarts: the same state folder and run tag, a new process after
// each crash, and one event log that spans them all.
import { EngineProcess, type EngineStart, stopEngine } from "./engine-process.js";
import { EventLog } from "./event-log.js";
import type { Stoppable } from "./run-registry.js";

export class EngineSession extends EventLog implements Stoppable {
  /** Every engine process this session started, for probes that attribute by ancestry. */
  readonly enginePids: number[] = [];
  private engine: EngineProcess;

  constructor(private readonly start: EngineStart) {
    super();
    this.engine = this.spawn();
  }

  get current(): EngineProcess {
    return this.engine;
  }

  get isAlive(): boolean {
    return this.engine.isAlive;
  }

  request(...args: Parameters<EngineProcess["request"]>): ReturnType<EngineProcess["request"]> {
    return this.engine.request(...args);
  }

  /** SIGKILL, as a crash or the OOM killer would, then a fresh engine on the same state. */
  async crashAndRestart(): Promise<void> {
    this.engine.kill("SIGKILL");
    await this.engine.exited;
    this.engine = this.spawn();
  }

  /** Graceful shutdown first; an engine that does not answer in time is killed. */
  async stop(timeoutMs = 10_000): Promise<void> {
    await stopEngine(this.engine, timeoutMs);
  }

  private spawn(): EngineProcess {
    const engine = new EngineProcess(this.start);
    this.enginePids.push(engine.pid);
    engine.onEvent((event) => this.push(event));
    return engine;
  }
}
