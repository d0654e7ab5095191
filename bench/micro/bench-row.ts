// One measured task as the report shows it, read off a tinybench task.
import type { Bench } from "tinybench";
import { unreachable } from "../../protocol/model.js";

export interface BenchRow {
  group: string;
  task: string;
  meanMs: number;
  p50Ms: number;
  /** Relative margin of error of the mean, in percent. */
  rmePercent: number;
  samples: number;
}

/** A number the issue sets a goal for, or one worth reporting beside the rows. */
export interface Figure {
  name: string;
  value: number;
  /** "×" for a ratio (how many times slower the first is), or the unit of a rate. */
  unit: string;
  /** The goal as a person reads it, and whether this run met it; null when only reported. */
  goal: string | null;
  met: boolean | null;
}

export function rowsOf(group: string, bench: Bench): BenchRow[] {
  return bench.tasks.map((task) => {
    const result = task.result;
    switch (result.state) {
      case "completed":
      case "aborted-with-statistics":
        return {
          group,
          task: task.name,
          meanMs: result.latency.mean,
          p50Ms: result.latency.p50,
          rmePercent: result.latency.rme,
          samples: result.latency.samplesCount,
        };
      case "errored":
        throw new Error(`benchmark "${task.name}" failed: ${result.error.message}`);
      case "aborted":
      case "not-started":
      case "started":
        throw new Error(`benchmark "${task.name}" did not finish (${result.state})`);
      default:
        return unreachable(result);
    }
  });
}

export function meanOf(rows: readonly BenchRow[], task: string): number {
  const row = rows.find((r) => r.task === task);
  if (row === undefined) throw new Error(`no benchmark row "${task}"`);
  return row.meanMs;
}
