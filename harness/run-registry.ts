import { mkdtempSync } from "node:fs";
import type { Containment } from "../os/cgroup.js";
import { tmpdir } from "node:os";
import { join } from "node:path";

// The runs under way in this harness process, so a signal or a crash can end them all: their
// engines, their tagged processes, and their state folders.

export interface Stoppable {
  stop(timeoutMs: number): Promise<void>;
}

export interface RunObserver {
  started(run: string, stateDir: string | null): void;
  /** An engine process of the run started, leading its own process group. */
  engine(run: string, pgid: number): void;
  ended(run: string): void;
}

export interface ActiveRun {
  run: string;
  engine: Stoppable | null;
  stateDir: string | null;
  containment: Containment | null;
}

/** Asked to start a run after the harness began to stop. */
export class StoppingError extends Error {}

class RunRegistry {
  private readonly runs = new Map<string, ActiveRun>();
  private readonly observers: RunObserver[] = [];
  private closed = false;

  /** True once the harness is stopping: no run starts from then on. */
  get closing(): boolean {
    return this.closed;
  }

  close(): void {
    this.closed = true;
  }

  observe(observer: RunObserver): void {
    this.observers.push(observer);
  }

  /**
   * A run's state folder, made and registered in one turn of the event loop: a harness that stops
   * (and exits) at any later moment knows it and removes it; one that is stopping makes none.
   */
  openStateDir(run: string, label = "reapcheck"): string {
    if (this.closed) throw new StoppingError(`run ${run} not started: the harness is stopping`);
    const stateDir = mkdtempSync(join(tmpdir(), `${label}-${run}-`));
    this.add(run, stateDir);
    return stateDir;
  }

  add(run: string, stateDir: string | null = null): void {
    if (this.closed) throw new StoppingError(`run ${run} not started: the harness is stopping`);
    this.runs.set(run, { run, engine: null, stateDir, containment: null });
    for (const o of this.observers) o.started(run, stateDir);
  }

  /** The run's cgroups: a harness that stops kills and removes them with the run. */
  contain(run: string, containment: Containment): void {
    const entry = this.runs.get(run);
    if (entry !== undefined) entry.containment = containment;
  }

  attach(run: string, engine: Stoppable): void {
    const entry = this.runs.get(run);
    if (entry !== undefined) entry.engine = engine;
  }

  engineStarted(run: string, pgid: number): void {
    for (const o of this.observers) o.engine(run, pgid);
  }

  delete(run: string): void {
    this.runs.delete(run);
    for (const o of this.observers) o.ended(run);
  }

  list(): ActiveRun[] {
    return [...this.runs.values()];
  }
}

export const activeRuns = new RunRegistry();
