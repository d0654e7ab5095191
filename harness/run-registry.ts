// The runs under way in this harness process, so a signal or a crash can end them all.

export interface Stoppable {
  stop(timeoutMs: number): Promise<void>;
}

export interface RunObserver {
  started(run: string): void;
  ended(run: string): void;
}

class RunRegistry {
  private readonly runs = new Map<string, Stoppable | null>();
  private readonly observers: RunObserver[] = [];

  observe(observer: RunObserver): void {
    this.observers.push(observer);
  }

  add(run: string): void {
    this.runs.set(run, null);
    for (const o of this.observers) o.started(run);
  }

  attach(run: string, engine: Stoppable): void {
    this.runs.set(run, engine);
  }

  delete(run: string): void {
    this.runs.delete(run);
    for (const o of this.observers) o.ended(run);
  }

  list(): { run: string; engine: Stoppable | null }[] {
    return [...this.runs].map(([run, engine]) => ({ run, engine }));
  }
}

export const activeRuns = new RunRegistry();
