// Plain text for a terminal or a CI log: a line per scenario as it finishes, then each failure
// with what was expected, what was seen, and the command that re-runs just that case.
import { type BaselineEntry, type BaselineSummary, failedChecks, type GateResult, type LeakRate, type ScenarioResult } from "../result/result.js";
import { describeProcesses } from "../result/process.js";

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** The invariants a scenario broke, each once, with "left-behind" when the harness had to reap. */
export function failedNames(result: ScenarioResult): string[] {
  const failed: string[] = [...new Set(failedChecks(result).map((c) => c.invariant))];
  if (result.reaped.length > 0) failed.push("left-behind");
  return failed;
}

const percent = (x: number): string => `${Math.round(x * 100)}%`;

/** "7/10 leaked (95% CI 40–89%), 151 MB left per leak" for a scenario run more than once. */
export function leakRateText(rate: LeakRate): string {
  const rss = rate.leaked === 0 ? "" : `, ${(rate.rssLeftBytes / 2 ** 20).toFixed(0)} MB left per leak`;
  return `${rate.leaked}/${rate.runs} leaked (95% CI ${percent(rate.low)}–${percent(rate.high)})${rss}`;
}

function baselineNote(result: ScenarioResult): string {
  switch (result.baseline?.kind) {
    case undefined:
    case "clean":
      return "";
    case "known":
      return "  [known leak: in the baseline]";
    case "new":
      return `  [NEW: not in the baseline: ${result.baseline.unlisted.join(", ")}]`;
  }
}

export function scenarioLine(result: ScenarioResult): string {
  const label = { pass: "PASS ", fail: "FAIL ", error: "ERROR" }[result.verdict];
  const why = result.verdict === "error" ? "could not run" : failedNames(result).join(", ");
  const rate = result.leakRate === undefined ? "" : `  ${leakRateText(result.leakRate)}`;
  const unseen = result.notObservable.map((n) => n.invariant);
  const note = unseen.length === 0 ? "" : `  (not observable: ${unseen.join(", ")})`;
  return `${label} ${result.scenario.padEnd(24)} ${result.adapter.padEnd(6)} ${seconds(result.durationMs).padStart(6)}${why === "" ? "" : `  ${why}`}${rate}${baselineNote(result)}${note}`;
}

export function rerunCommand(result: ScenarioResult): string {
  const faults = result.faults.map((f) => ` --fault ${f}`).join("");
  const engine = result.engine === undefined ? "" : ` --engine ${result.engine}`;
  const repeat = result.leakRate === undefined ? "" : ` --repeat ${result.leakRate.runs}`;
  return `npx reapcheck gate${engine} --only ${result.scenario} --adapter ${result.adapter}${faults}${repeat}`;
}

const entryText = (e: BaselineEntry): string => `${e.scenario} ${e.invariant} on ${e.adapter ?? "every adapter"}${e.survives === undefined ? "" : ` (${e.survives})`}`;

/** What a gate with --baseline found against it: the known, the new and the fixed, one per line. */
export function baselineText(summary: BaselineSummary): string {
  const lines = [`baseline ${summary.file}: ${summary.known.length} known leak(s) (reported, not failing the gate), ${summary.unlisted.length} new`];
  for (const e of summary.unlisted) lines.push(`  NEW    ${entryText(e)}: not in the baseline, fails the gate`);
  for (const e of summary.known) lines.push(`  known  ${entryText(e)}`);
  for (const e of summary.fixed) {
    lines.push(e.racy === true ? `  unseen ${entryText(e)}: a racy leak not seen this time (proves no fix; try --repeat)` : `  fixed  ${entryText(e)}: did not happen — remove it from the baseline`);
  }
  return lines.join("\n");
}

export function failureText(result: ScenarioResult): string {
  const lines = [`── ${result.scenario} (${result.title}) — run ${result.run}${result.faults.length > 0 ? `, fault ${result.faults.join(", ")}` : ""}`];
  if (result.error !== null) lines.push(`  error: ${result.error}`);
  for (const check of failedChecks(result)) {
    lines.push(`  ✗ ${check.invariant} [job ${check.job}]: ${check.detail}`);
    if (check.zombies.length > 0) lines.push(`    zombies (not counted as alive):\n${describeProcesses(check.zombies)}`);
  }
  if (result.reaped.length > 0) {
    lines.push(`  ✗ left-behind: still alive after the engine shut down; the harness killed them:\n${describeProcesses(result.reaped)}`);
  }
  if (result.baseline?.kind === "known") lines.push("  known leak: listed in the baseline, so it does not fail the gate");
  if (result.baseline?.kind === "new") lines.push(`  NEW leak: ${result.baseline.unlisted.join(", ")} not in the baseline`);
  lines.push(`  re-run: ${rerunCommand(result)}`);
  return lines.join("\n");
}

export function summaryText(gate: GateResult): string {
  const count = (v: string): number => gate.results.filter((r) => r.verdict === v).length;
  const failures = gate.results.filter((r) => r.verdict !== "pass").map(failureText);
  const tail = `${count("pass")} passed, ${count("fail")} failed${count("error") > 0 ? `, ${count("error")} errored` : ""}`;
  const caveat =
    gate.probe === "ps"
      ? "\nprobe ps sees no environment tags: processes are attributed by ancestry and recorded groups, so one reparented away from its chain is not seen"
      : "";
  const baseline = gate.baseline === undefined ? [] : ["", baselineText(gate.baseline)];
  const after = gate.baseline === undefined ? "" : `; with the baseline: ${gate.verdict === "pass" ? "pass" : gate.verdict === "fail" ? "FAIL (new leaks)" : "ERROR"}`;
  return [...failures, ...baseline, "", `reapcheck gate: ${tail}${after} (probe: ${gate.probe})${caveat}`].join("\n");
}
