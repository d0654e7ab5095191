// Picks the two looks worth drawing for a scenario: the processes at the terminal event of the
// first job that failed, and after the deadline.
import { processTreeSvg } from "./svg-tree.js";
import { type ScenarioResult, failedChecks } from "../result/result.js";

/** The SVG of a scenario's process tree, or null when the run kept no snapshots. */
export function resultTreeSvg(result: ScenarioResult): string | null {
  const snapshots = result.snapshots ?? [];
  const after = snapshots.find((s) => s.phase === "after");
  const terminals = snapshots.flatMap((s) => (s.phase === "terminal" ? [s] : []));
  const firstFailed = failedChecks(result)[0]?.job;
  const at = terminals.find((s) => s.job === firstFailed) ?? terminals.at(-1);
  if (after === undefined || at === undefined) return null;
  return processTreeSvg(
    `${result.scenario} × ${result.adapter}: ${result.verdict}${result.faults.length > 0 ? ` (fault ${result.faults.join(", ")})` : ""}`,
    { label: `at job.terminal of job ${at.job}`, processes: at.processes },
    { label: "after the deadline", processes: after.processes },
  );
}
