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
}

/** A snapshot with the host's uptime when it was taken: a process's age is uptime − starttime. */
export type TimedSnapshot = RunSnapshot & { uptimeMs: number };

export interface GateResult {
  schemaVersion: typeof SCHEMA_VERSION;
  probe: string;
  results: ScenarioResult[];
  verdict: Verdict;
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
