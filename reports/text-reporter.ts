// Plain text for a terminal or a CI log: a line per scenario as it finishes, then each failure
// with what was expected, what was seen, and the command that re-runs just that case.
import { failedChecks, type GateResult, type ScenarioResult } from "../result/result.js";
import { describeProcesses } from "../result/process.js";

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** The invariants a scenario broke, each once, with "left-behind" when the harness had to reap. */
export function failedNames(result: ScenarioResult): string[] {
  const failed: string[] = [...new Set(failedChecks(result).map((c) => c.invariant))];
  if (result.reaped.length > 0) failed.push("left-behind");
  return failed;
}

export function scenarioLine(result: ScenarioResult): string {
  const label = { pass: "PASS ", fail: "FAIL ", error: "ERROR" }[result.verdict];
  const why = result.verdict === "error" ? "could not run" : failedNames(result).join(", ");
  const unseen = result.notObservable.map((n) => n.invariant);
  const note = unseen.length === 0 ? "" : `  (not observable: ${unseen.join(", ")})`;
  return `${label} ${result.scenario.padEnd(24)} ${result.adapter.padEnd(6)} ${seconds(result.durationMs).padStart(6)}${why === "" ? "" : `  ${why}`}${note}`;
}

export function rerunCommand(result: ScenarioResult): string {
  const faults = result.faults.map((f) => ` --fault ${f}`).join("");
  return `npx reapcheck gate --only ${result.scenario} --adapter ${result.adapter}${faults}`;
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
  return [...failures, "", `reapcheck gate: ${tail} (probe: ${gate.probe})${caveat}`].join("\n");
}
