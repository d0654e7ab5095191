// The runs under way in this harness process, so a signal or a crash can end them all.
import type { EngineProcess } from "./engine-process.js";

class RunRegistry {
  private readonly runs = new Map<string, EngineProcess | null>();

  add(run: string): void {
    this.runs.set(run, null);
  }

  attach(run: string, engine: EngineProcess): void {
    this.runs.set(run, engine);
  }

  delete(run: string): void {
    this.runs.delete(run);
  }

  list(): { run: string; engine: EngineProcess | null }[] {
    return [...this.runs].map(([run, engine]) => ({ run, engine }));
  }
}

export const activeRuns = new RunRegistry();
