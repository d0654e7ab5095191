// The runs under way in this harness process, so a signal or a crash can end them all: their
// engines, their tagged processes, and their state folders.

export interface Stoppable {
  stop(timeoutMs: number): Promise<void>;
}

export interface RunObserver {
  started(run: string, stateDir: string | null): void;
  ended(run: string): void;
}

export interface ActiveRun {
  run: string;
  engine: Stoppable | null;
  stateDir: string | null;
}

class RunRegistry {
  private readonly runs = new Map<string, ActiveRun>();
  private readonly observers: RunObserver[] = [];

  observe(observer: RunObserver): void {
    this.observers.push(observer);
  }

  add(run: string, stateDir: string | null = null): void {
    this.runs.set(run, { run, engine: null, stateDir });
    for (const o of this.observers) o.started(run, stateDir);
  }

  attach(run: string, engine: Stoppable): void {
    const entry = this.runs.get(run);
    if (entry !== undefined) entry.engine = engine;
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
