// One result model for every writer: what a gate run saw, scenario by scenario.
import type { LedgerSnapshot } from "../protocol/messages.js";
import type { Check } from "./check.js";
import type { ProcessInfo } from "./process.js";

export const SCHEMA_VERSION = 1;

/** One look at the run's tagged processes: before the first submit, at each job's terminal
 *  event, and after the deadline (with the ledgers as the invariants last saw them). */
export type RunSnapshot =
  | { phase: "before"; processes: ProcessInfo[] }
  | { phase: "terminal"; job: string; processes: ProcessInfo[] }
  | { phase: "after"; processes: ProcessInfo[]; ledgers: LedgerSnapshot[] };


/** Whose snapshot it is: scenarios that share an engine share its run tag. */
export interface SnapshotOf {
  run: string;
  scenario: string;
}

export type Verdict = "pass" | "fail" | "error";

export interface ScenarioResult {
  scenario: string;
  title: string;
  adapter: string;
  faults: string[];
  run: string;
  verdict: Verdict;
  /** Every invariant for every job, passed or failed. */
  checks: Check[];
  /** Invariants the engine gives no evidence for: neither passed nor failed. */
  notObservable: { invariant: string; reason: string }[];
  /** Processes still carrying the run's tag after the engine shut down; the harness killed them. */
  reaped: ProcessInfo[];
  /** Why the scenario could not run, when verdict is "error". */
  error: string | null;
  durationMs: number;
  /** The run's tagged processes before, at the terminal event and after the deadline; present
   *  when the caller asked the runner for them (reports, repro bundles). */
  snapshots?: TimedSnapshot[];
  /** The black-box engine driven (`--engine acpx`), when the engine speaks no protocol of ours. */
  engine?: string;
  /** Present when the scenario ran more than once (`--repeat`): how many of its runs leaked. */
  leakRate?: LeakRate;
  /** Present when a known-leaks baseline was given: how this scenario's findings compare with it. */
  baseline?: BaselineStatus;
}

/**
 * Leaks of a scenario run `runs` times, with the 95% Wilson score interval of the leak
 * probability: a racy leak is reported as a rate, neither missed by one lucky run nor flaky.
 */
export interface LeakRate {
  leaked: number;
  runs: number;
  /** Bounds of the 95% interval, as fractions of 1. */
  low: number;
  high: number;
  /** Mean RSS of what the leaking runs left alive (and the harness reaped); 0 when none leaked. */
  rssLeftBytes: number;
}

/**
 * known: every finding is listed in the baseline; new: some finding is not (named in `unlisted`);
 * clean: no finding.
 */
export type BaselineStatus = { kind: "known" } | { kind: "new"; unlisted: string[] } | { kind: "clean" };

/** One leak a baseline lists, or one a run found: a scenario, an invariant, on an adapter. */
export interface BaselineEntry {
  scenario: string;
  invariant: string;
  /** Absent: the entry holds on every adapter. */
  adapter?: string;
  /** What survives, for the reader. */
  survives?: string;
  /** A racy leak: a run without it proves no fix. */
  racy?: boolean;
}

/** What a gate with `--baseline` found against the file. */
export interface BaselineSummary {
  file: string;
  /** Findings the baseline lists: reported, but they do not fail the gate. */
  known: BaselineEntry[];
  /** Findings it does not list: these fail the gate. */
  unlisted: BaselineEntry[];
  /** Entries of scenarios that ran and did not leak this way: fixed, remove them from the baseline. */
  fixed: BaselineEntry[];
  /** The gate's verdict before the baseline was applied. */
  measured: Verdict;
}

/** A snapshot with the host's uptime when it was taken: a process's age is uptime − starttime. */
export type TimedSnapshot = RunSnapshot & { uptimeMs: number };

export interface GateResult {
  schemaVersion: typeof SCHEMA_VERSION;
  probe: string;
  results: ScenarioResult[];
  /** With a baseline, the verdict after it: known leaks do not fail the gate. */
  verdict: Verdict;
  /** Present when a known-leaks baseline was given. */
  baseline?: BaselineSummary;
}

/** A proven failure outranks a scenario that could not run: exit 1 must not hide behind exit 2. */
export function overall(results: readonly ScenarioResult[]): Verdict {
  if (results.some((r) => r.verdict === "fail")) return "fail";
  if (results.some((r) => r.verdict === "error")) return "error";
  return "pass";
}

export function failedChecks(result: ScenarioResult): Check[] {
  return result.checks.filter((c) => !c.ok);
}
