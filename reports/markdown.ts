// Markdown a person pastes into an issue: a verdict table (scenario × adapter), then each failure
// with what was expected, what was seen and the command that re-runs just that case.
import { unreachable } from "../protocol/model.js";
import type { Check } from "../result/check.js";
import type { ProcessInfo } from "../result/process.js";
import { INVARIANT_MEANING, LEFT_BEHIND, LEFT_BEHIND_MEANING } from "./invariant-meaning.js";
import { groupsMarkdown } from "./process-table.js";
import { type GateResult, type ScenarioResult, type Verdict, failedChecks } from "../result/result.js";
import { baselineText, failedNames, leakRateText, rerunCommand } from "./text-reporter.js";

/** One thing that went wrong in a scenario. */
export type Failure =
  | { kind: "check"; check: Check }
  | { kind: "left-behind"; processes: ProcessInfo[] }
  | { kind: "error"; message: string };

export function failuresOf(result: ScenarioResult): Failure[] {
  return [
    ...(result.error === null ? [] : [{ kind: "error", message: result.error } as const]),
    ...failedChecks(result).map((check) => ({ kind: "check", check }) as const),
    ...(result.reaped.length === 0 ? [] : [{ kind: "left-behind", processes: result.reaped } as const]),
  ];
}

/** The host's uptime at the look after the deadline, which is when survivors were seen. */
function uptimeAfter(result: ScenarioResult): number | null {
  return result.snapshots?.find((s) => s.phase === "after")?.uptimeMs ?? null;
}

const VERDICT_LABEL: Readonly<Record<Verdict, string>> = { pass: "pass", fail: "**FAIL**", error: "**ERROR**" };

/** A one-line text inline; several lines fenced, so their layout survives. */
const seen = (text: string): string => (text.includes("\n") ? `\n\n\`\`\`\n${text}\n\`\`\`` : ` ${text}`);

/**
 * One failure, self-contained (JUnit shows each on its own). `shownIn` names an earlier failure
 * of the same page that already tabled exactly these survivors, so the page does not repeat it.
 */
export function failureMarkdown(result: ScenarioResult, failure: Failure, shownIn: string | null = null): string {
  switch (failure.kind) {
    case "check": {
      const { check } = failure;
      const uptime = uptimeAfter(result);
      // With survivors the detail's process listing becomes a table; keep only its first line.
      const detail = check.survivors.length > 0 ? (check.detail.split("\n")[0] ?? "") : check.detail;
      const parts = [
        `### ✗ \`${check.invariant}\`, job \`${check.job}\``,
        `- **expected:** ${INVARIANT_MEANING[check.invariant]}\n- **seen:**${seen(detail)}`,
      ];
      if (check.survivors.length > 0) {
        parts.push(shownIn === null ? groupsMarkdown(check.survivors, uptime) : `The same ${check.survivors.length} process(es) as under \`${shownIn}\` above.`);
      }
      if (check.zombies.length > 0) parts.push(`Zombies (not counted as alive):\n\n${groupsMarkdown(check.zombies, uptime)}`);
      return parts.join("\n\n");
    }
    case "left-behind":
      return [
        `### ✗ \`${LEFT_BEHIND}\``,
        `- **expected:** ${LEFT_BEHIND_MEANING}\n- **seen:** ${failure.processes.length} process(es) still alive after the engine shut down; the harness killed them`,
        // Reaped after the engine's shutdown, later than any snapshot: no age to tell.
        groupsMarkdown(failure.processes, null),
      ].join("\n\n");
    case "error":
      return `### ✗ could not run\n\n\`\`\`\n${failure.message}\n\`\`\``;
    default:
      return unreachable(failure);
  }
}

export function rerunMarkdown(result: ScenarioResult): string {
  return `Re-run just this case:\n\n    ${rerunCommand(result)}`;
}

export function scenarioHeading(result: ScenarioResult): string {
  const faults = result.faults.length === 0 ? "no faults" : `fault ${result.faults.map((f) => `\`${f}\``).join(", ")}`;
  return `## ${result.scenario} × ${result.adapter}: ${VERDICT_LABEL[result.verdict]}\n\n${result.title} — run \`${result.run}\`, ${faults}, ${(result.durationMs / 1000).toFixed(1)} s`;
}

export function scenarioMarkdown(result: ScenarioResult): string {
  // no-surviving-group and no-tagged-survivor usually blame the same chain: table it once.
  const tabled = new Map<string, string>();
  const parts = failuresOf(result).map((failure) => {
    if (failure.kind !== "check" || failure.check.survivors.length === 0) return failureMarkdown(result, failure);
    const key = failure.check.survivors.map((p) => `${p.pid}/${p.starttime}`).sort().join(" ");
    const shownIn = tabled.get(key) ?? null;
    if (shownIn === null) tabled.set(key, `${failure.check.invariant}, job ${failure.check.job}`);
    return failureMarkdown(result, failure, shownIn);
  });
  return [scenarioHeading(result), ...parts, rerunMarkdown(result)].join("\n\n");
}

function verdictTable(gate: GateResult): string {
  const adapters = [...new Set(gate.results.map((r) => r.adapter))];
  const scenarios = [...new Set(gate.results.map((r) => r.scenario))];
  const cellFor = (scenario: string, adapter: string): string => {
    const found = gate.results.find((r) => r.scenario === scenario && r.adapter === adapter);
    if (found === undefined) return "—";
    const names = failedNames(found);
    const rate = found.leakRate === undefined ? "" : ` — ${leakRateText(found.leakRate)}`;
    const known = found.baseline?.kind === "known" ? " (known leak)" : found.baseline?.kind === "new" ? " (**new**)" : "";
    return `${VERDICT_LABEL[found.verdict]}${found.verdict === "fail" && names.length > 0 ? ` ${names.join(", ")}` : ""}${rate}${known}`;
  };
  const head = ["scenario", ...adapters];
  const rows = scenarios.map((s) => [`\`${s}\``, ...adapters.map((a) => cellFor(s, a))]);
  return [head, head.map(() => "---"), ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

const percent = (x: number): string => `${Math.round(x * 100)}%`;

/** Present when scenarios ran more than once (--repeat): one row per scenario and adapter. */
function leakRateTable(gate: GateResult): string | null {
  const rated = gate.results.filter((r) => r.leakRate !== undefined);
  if (rated.length === 0) return null;
  const rows = rated.map((r) => {
    const rate = r.leakRate!;
    const rss = rate.leaked === 0 ? "—" : `${(rate.rssLeftBytes / 2 ** 20).toFixed(0)} MB`;
    const names = failedNames(r).filter((n) => n !== "left-behind");
    const verdict = `${VERDICT_LABEL[r.verdict]}${names.length > 0 ? ` ${names.join(", ")}` : ""}${r.baseline?.kind === "known" ? " (known)" : ""}`;
    return `| \`${r.scenario}\` | ${r.adapter} | ${verdict} | ${rate.leaked}/${rate.runs} | ${percent(rate.low)}–${percent(rate.high)} | ${rss} |`;
  });
  return ["## Leak rates", "", "| transition | adapter | verdict | leaked | 95% CI | RSS left per leak |", "|---|---|---|---|---|---|", ...rows].join("\n");
}

export function gateMarkdown(gate: GateResult): string {
  const count = (v: Verdict): number => gate.results.filter((r) => r.verdict === v).length;
  const faults = [...new Set(gate.results.flatMap((r) => r.faults))];
  const summary = [
    `${count("pass")} passed, ${count("fail")} failed${count("error") > 0 ? `, ${count("error")} errored` : ""}`,
    `probe \`${gate.probe}\``,
    faults.length === 0 ? "no faults" : `faults ${faults.map((f) => `\`${f}\``).join(", ")}`,
  ].join(" · ");
  const failures = gate.results.filter((r) => r.verdict !== "pass").map(scenarioMarkdown);
  const baseline = gate.baseline === undefined ? [] : [`## Baseline\n\n\`\`\`\n${baselineText(gate.baseline)}\n\`\`\``];
  const rates = leakRateTable(gate);
  return `${[`# reapcheck gate: ${VERDICT_LABEL[gate.verdict]}`, summary, verdictTable(gate), ...(rates === null ? [] : [rates]), ...baseline, ...failures].join("\n\n")}\n`;
}
