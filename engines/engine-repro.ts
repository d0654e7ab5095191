// A repro bundle for an engine no one here wrote: one Markdown file in the shape of a bug report a
// maintainer can act on — versions of the engine, adapter and Node; the exact commands and signals,
// in order, with times; the process table before the job, when the engine said it ended, and
// after the deadline; what survived, with RSS; the leak rate over the runs; and what a black box
// cannot see.
import { unreachable } from "../protocol/model.js";
import { groupsMarkdown, megabytes, processTableMarkdown } from "../reports/process-table.js";
import type { Versions } from "../reports/repro-bundle.js";
import { failedNames, leakRateText } from "../reports/text-reporter.js";
import { type ScenarioResult, type TimedSnapshot, failedChecks } from "../result/result.js";
import type { BlackBoxEngine } from "./black-box.js";
import type { TimedProcesses, TimelineEntry } from "./black-box-run.js";
import { leakRate, leaked } from "./leak-rate.js";

export interface EngineReproBundle {
  engine: BlackBoxEngine;
  /** The engine's version as installed. */
  installed: string;
  versions: Versions;
  /** The run shown in full (the first that leaked, else the first), with its snapshots. */
  shown: ScenarioResult;
  timeline: readonly TimelineEntry[];
  /** The chain mid-turn, as the run first saw it whole. */
  midTurn: TimedProcesses | null;
  /** Every run's result, for the rate. */
  runs: readonly ScenarioResult[];
  /** The command that writes this bundle again. */
  command: string;
}

type Look = TimedSnapshot | ({ phase: "mid-turn" } & TimedProcesses);

/** The runner's three looks, with the mid-turn one after the first. */
function looks(snapshots: readonly TimedSnapshot[], midTurn: TimedProcesses | null): Look[] {
  return snapshots.flatMap((s): Look[] => (s.phase === "before" && midTurn !== null ? [s, { phase: "mid-turn", ...midTurn }] : [s]));
}

function snapshotTitle(s: Look): string {
  switch (s.phase) {
    case "before":
      return "Before the job (the decoy only)";
    case "mid-turn":
      return "Mid-turn, once the adapter chain was up";
    case "terminal":
      return "When the engine said the job ended";
    case "after":
      return "After the deadline";
    default:
      return unreachable(s);
  }
}

function verdictLine(result: ScenarioResult): string {
  switch (result.verdict) {
    case "pass":
      return "**pass**: nothing of the job outlived it (control)";
    case "fail":
      return `**FAIL**: ${failedNames(result).join(", ")}`;
    case "error":
      return "**ERROR**: the transition could not run";
    default:
      return unreachable(result.verdict);
  }
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

export function engineReproMarkdown(bundle: EngineReproBundle): string {
  const { engine, shown, versions } = bundle;
  const snapshots = shown.snapshots ?? [];
  const leakedRuns = bundle.runs.filter(leaked);
  const survivors = shown.reaped;
  const rate = bundle.runs.length > 1 ? leakRateText(leakRate(bundle.runs)) : null;
  const versionNote = bundle.installed === engine.version ? "" : ` (this driver was written against ${engine.version})`;
  const sections = [
    `# reapcheck repro: \`${engine.name}\` — \`${shown.scenario}\``,
    `${shown.title}\n\nVerdict: ${verdictLine(shown)}${rate === null ? "" : `\n\nLeak rate: ${rate}`}`,
    `## Reproduce\n\n    ${bundle.command}\n\nreapcheck starts the engine itself, tags everything it starts with \`REAPCHECK_RUN\`/\`REAPCHECK_JOB\` (the agent command is wrapped in \`env\`, which execs), and reaps whatever still carries the run's tag at the end.`,
    [
      "## Versions",
      "",
      "| | |",
      "|---|---|",
      `| engine | ${engine.package} ${bundle.installed}${versionNote} |`,
      `| adapter | ${versions.adapter} |`,
      `| Node | ${versions.node} |`,
      `| OS | ${versions.os} |`,
      `| reapcheck | ${versions.reapcheck} |`,
      `| run tag | \`REAPCHECK_RUN=${shown.run}\` |`,
    ].join("\n"),
    [
      "## What was done",
      "",
      "The exact commands and signals, in order (times from the start of the run):",
      "",
      "```",
      ...bundle.timeline.map((e) => `+${seconds(e.atMs).padStart(8)}  ${e.text}`),
      "```",
    ].join("\n"),
    "## Process table\n\nEvery live process carrying the run's tag; age is how long it had been alive at that look.",
    ...looks(snapshots, bundle.midTurn).map((s) => `### ${snapshotTitle(s)}\n\n${s.processes.length === 0 ? "No process." : processTableMarkdown(s.processes, s.uptimeMs)}`),
    [
      "## Survivors",
      "",
      survivors.length === 0
        ? "None: nothing tagged with the job, and nothing in its process groups, was alive after the deadline."
        : `${survivors.length} process(es), ${megabytes(survivors.reduce((sum, p) => sum + p.rssBytes, 0))} RSS, still alive after the deadline; reapcheck killed them:\n\n${groupsMarkdown(survivors, null)}`,
      ...(survivors.some((p) => p.ppid === 1) ? ["", "A ppid of 1 means the process was reparented to init: its parent had died without ending it."] : []),
    ].join("\n"),
    ...(bundle.runs.length > 1
      ? [
          [
            "## Runs",
            "",
            `${leakedRuns.length} of ${bundle.runs.length} runs leaked.`,
            "",
            "| run | verdict | left alive | RSS left |",
            "|---|---|---|---|",
            ...bundle.runs.map((r) => `| \`${r.run}\` | ${r.verdict} | ${r.reaped.length} | ${megabytes(r.reaped.reduce((sum, p) => sum + p.rssBytes, 0))} |`),
          ].join("\n"),
        ]
      : []),
    [
      "## Checks",
      "",
      ...shown.checks.map((c) => `- ${c.ok ? "✓" : "✗"} \`${c.invariant}\`: ${(c.detail.split("\n")[0] ?? "").replace(/:$/, "")}`),
      ...(shown.error === null ? [] : [`- ✗ could not run:\n\n\`\`\`\n${shown.error}\n\`\`\``]),
      "",
      "Not observable from outside (neither passed nor failed):",
      "",
      ...shown.notObservable.map((n) => `- \`${n.invariant}\`: ${n.reason}`),
    ].join("\n"),
  ];
  return `${sections.join("\n\n")}\n`;
}

/** The run a bundle shows: the first that leaked, else the first. */
export function runToShow<T extends { result: ScenarioResult }>(runs: readonly T[]): T | undefined {
  return runs.find((r) => leaked(r.result)) ?? runs.find((r) => failedChecks(r.result).length > 0) ?? runs[0];
}
