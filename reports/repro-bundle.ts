// A repro bundle: one Markdown file to attach to a bug report, in the shape of the reference
// report's "Empirical verification": versions, the scenario, the process table before the job,
// at the terminal event and after the deadline, the leaked groups, the ledgers, the verdict and
// the one command that reproduces it. Against a correct engine it is the matching control.
import { unreachable } from "../protocol/model.js";
import { type ProcessInfo, isAlive } from "../result/process.js";
import { type Failure, failuresOf } from "./markdown.js";
import { groupsMarkdown, processTableMarkdown } from "./process-table.js";
import type { ScenarioResult, TimedSnapshot } from "../result/result.js";
import { failedNames } from "./text-reporter.js";

export interface Versions {
  reapcheck: string;
  node: string;
  os: string;
  adapter: string;
}

export interface ReproBundle {
  versions: Versions;
  /** The scenario file as the reader should type it, and its text. */
  scenario: { file: string; source: string };
  /** One run, with its snapshots. */
  result: ScenarioResult;
  /** The command that writes this bundle again. */
  command: string;
}

const identity = (p: ProcessInfo): string => `${p.pid}/${p.starttime}`;

function uniqueProcesses(processes: readonly ProcessInfo[]): ProcessInfo[] {
  const seen = new Map<string, ProcessInfo>();
  for (const p of processes) if (!seen.has(identity(p))) seen.set(identity(p), p);
  return [...seen.values()];
}

function snapshotTitle(s: TimedSnapshot): string {
  switch (s.phase) {
    case "before":
      return "Before the job";
    case "terminal":
      // Taken when the harness read the event: a correct engine may already be releasing.
      return `At the terminal event of job \`${s.job}\` (as the harness received it)`;
    case "after":
      return "After the deadline";
    default:
      return unreachable(s);
  }
}

/** The control's sentence, or what changed between the first and the last look. */
function comparison(before: TimedSnapshot | undefined, after: TimedSnapshot | undefined): string {
  if (before === undefined || after === undefined) return "The run ended before both looks were taken: no comparison.";
  // A zombie is dead, only not yet reaped by its parent: it is shown in the tables, not counted here.
  const live = (s: TimedSnapshot): ProcessInfo[] => s.processes.filter(isAlive);
  const was = new Set(live(before).map(identity));
  const is = new Set(live(after).map(identity));
  const added = live(after).filter((p) => !was.has(identity(p)));
  const removed = live(before).filter((p) => !is.has(identity(p)));
  if (added.length === 0 && removed.length === 0) {
    return `**Process table identical before and after**: the same ${is.size} live process(es), by pid and start time.`;
  }
  const list = (ps: ProcessInfo[]): string => ps.map((p) => p.pid).join(", ");
  return [
    added.length > 0 ? `**${added.length} process(es) alive after the deadline that were not there before the job** (pids ${list(added)}).` : "",
    removed.length > 0 ? `${removed.length} process(es) of the first look are gone (pids ${list(removed)}).` : "",
  ]
    .filter((line) => line !== "")
    .join(" ");
}

function verdictLine(result: ScenarioResult): string {
  switch (result.verdict) {
    case "pass":
      return "**pass**: every invariant held for every job (control)";
    case "fail":
      return `**FAIL**: ${failedNames(result).join(", ")}`;
    case "error":
      return "**ERROR**: the scenario could not run";
    default:
      return unreachable(result.verdict);
  }
}

/** One line a failure: the process tables above already show who survived. */
function failureLine(failure: Failure): string {
  switch (failure.kind) {
    case "check": {
      const { check } = failure;
      const first = (check.detail.split("\n")[0] ?? "").replace(/:$/, "");
      const groups = [...new Set(check.survivors.map((p) => p.pgid))];
      const where = groups.length === 0 ? "" : ` — pgid ${groups.join(", ")}, tabled under "Leaked process groups"`;
      return `- ✗ \`${check.invariant}\`, job \`${check.job}\`: ${first}${where}`;
    }
    case "left-behind":
      return `- ✗ \`left-behind\`: ${failure.processes.length} process(es) outlived the engine (pids ${failure.processes.map((p) => p.pid).join(", ")}); the harness killed them`;
    case "error":
      return `- ✗ could not run:\n\n\`\`\`\n${failure.message}\n\`\`\``;
    default:
      return unreachable(failure);
  }
}

export function reproMarkdown(bundle: ReproBundle): string {
  const { result, versions } = bundle;
  const snapshots = result.snapshots ?? [];
  const before = snapshots.find((s) => s.phase === "before");
  const after = snapshots.find((s) => s.phase === "after");
  const leaked = uniqueProcesses(result.checks.filter((c) => !c.ok).flatMap((c) => c.survivors));
  const ledgers = after?.ledgers ?? [];
  const checked = [...new Set(result.checks.map((c) => c.invariant))];
  const failures = failuresOf(result);

  const sections = [
    `# reapcheck repro: \`${result.scenario}\`${result.faults.length > 0 ? ` with fault \`${result.faults.join("`, `")}\`` : ""}`,
    `${result.title}\n\nVerdict: ${verdictLine(result)}`,
    `## Reproduce\n\n    ${bundle.command}`,
    [
      "## Versions",
      "",
      "| | |",
      "|---|---|",
      `| reapcheck | ${versions.reapcheck} |`,
      `| Node | ${versions.node} |`,
      `| OS | ${versions.os} |`,
      `| adapter | ${versions.adapter} |`,
      `| faults | ${result.faults.length === 0 ? "none (the correct engine)" : result.faults.join(", ")} |`,
      `| run tag | \`REAPCHECK_RUN=${result.run}\` |`,
    ].join("\n"),
    `## Scenario \`${bundle.scenario.file}\`\n\n\`\`\`yaml\n${bundle.scenario.source.trimEnd()}\n\`\`\``,
    `## Process table\n\nEvery live process carrying the run's tag; age is how long it had been alive at that look.`,
    ...snapshots.map((s) => `### ${snapshotTitle(s)}\n\n${s.processes.length === 0 ? "No process." : processTableMarkdown(s.processes, s.uptimeMs)}`),
    comparison(before, after),
    `## Leaked process groups\n\n${leaked.length === 0 ? "None: no process of the job's groups, and none tagged with its job, was alive after the deadline." : groupsMarkdown(leaked, after?.uptimeMs ?? null)}`,
    [
      "## `released_jobs` ledgers",
      "",
      "As the invariants last read them, after the deadline.",
      "",
      ...(ledgers.length === 0 ? ["No ledger was read."] : ["| manager | releasedJobs |", "|---|---|", ...ledgers.map((l) => `| ${l.manager} | \`${JSON.stringify(l.releasedJobs)}\` |`)]),
    ].join("\n"),
    [
      "## Verdict",
      "",
      verdictLine(result),
      "",
      checked.length === 0 ? "No invariant was checked." : `Invariants checked for every job: ${checked.map((n) => `\`${n}\``).join(", ")}.`,
    ].join("\n"),
    ...(failures.length === 0 ? [] : [failures.map(failureLine).join("\n")]),
  ];
  return `${sections.join("\n\n")}\n`;
}
