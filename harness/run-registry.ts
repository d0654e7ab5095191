// The runs under way in this harness process, so a signal or a crash can end them all.

export interface Stoppable {
  stop(timeoutMs: number): Promise<void>;
}

class RunRegistry {
  private readonly runs = new Map<string, Stoppable | null>();

  add(run: string): void {
    this.runs.set(run, null);
  }

  attach(run: string, engine: Stoppable): void {
    this.runs.set(run, engine);
  }

  delete(run: string): void {
    this.runs.delete(run);
  }

  list(): { run: string; engine: Stoppable | null }[] {
    return [...this.runs].map(([run, engine]) => ({ run, engine }));
  }
}

export const activeRuns = new RunRegistry();
