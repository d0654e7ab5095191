// Gate power: run the gate with each fault switched on and show that the invariant named for
// that fault fires. A fault no scenario catches, when every scenario ran to its end, is a hole in
// the gate; when one could not, the row is undecided, never a hole and never a pass.
import type { Fault } from "../protocol/faults.js";
import type { Capabilities } from "../protocol/messages.js";
import type { ScenarioResult, Verdict } from "../result/result.js";
import { missingCapabilities } from "./engine-plan.js";
import { EngineSlots } from "./engine-slots.js";
import { type GateOptions, defaultConcurrency, runGate } from "./gate.js";
import type { InvariantName } from "../result/check.js";
import type { Scenario } from "./scenario.js";

/** For each fault: the invariant that must catch it, and the scenarios that exercise it. */
export const FAULT_TARGETS: Readonly<Record<Fault, { invariant: InvariantName; scenarios: readonly string[] }>> = {
  "complete-skips-release": { invariant: "released", scenarios: ["complete"] },
  "settle-skips-release": { invariant: "released", scenarios: ["settle-failed"] },
  "halt-skips-release": { invariant: "released", scenarios: ["halt"] },
  "fail-route-abandon-skips-release": { invariant: "released", scenarios: ["fail-route-abandon"] },
  "exit-abandon-skips-release": { invariant: "released", scenarios: ["exit-abandon"] },
  "cancel-skips-release": { invariant: "released", scenarios: ["cancel"] },
  "timeout-skips-release": { invariant: "released", scenarios: ["step-timeout"] },
  "sub-job-skips-release": { invariant: "released", scenarios: ["sub-job-failed"] },
  "restart-skips-release": { invariant: "released", scenarios: ["crash-restart"] },
  "shutdown-skips-release": { invariant: "released", scenarios: ["shutdown"] },
  "kill-pid-not-group": { invariant: "no-surviving-group", scenarios: ["complete"] },
  "no-sigkill-escalation": { invariant: "no-surviving-group", scenarios: ["adapter-ignores-sigterm", "adapter-untagged-member"] },
  "abandon-leaves-inflight-runs": { invariant: "no-running-step", scenarios: ["exit-abandon-inflight"] },
  "pidfile-left-behind": { invariant: "no-stale-pidfile", scenarios: ["adapter-crash"] },
  "double-release": { invariant: "released", scenarios: ["complete"] },
  "refcount-ignored": { invariant: "no-premature-kill", scenarios: ["shared-adapter"] },
  "kill-ignores-escapes": { invariant: "no-tagged-survivor", scenarios: ["adapter-escapes-group", "adapter-hides", "adapter-clears-env"] },
  "no-boot-sweep": { invariant: "no-surviving-group", scenarios: ["crash-restart"] },
  "sweep-ignores-identity": { invariant: "no-foreign-kill", scenarios: ["crash-restart"] },
};

/**
 * Engines run at once unless told otherwise, across all the gates. A faulted scenario mostly waits
 * out deadlines and kill grace periods, so it takes four engines per core to keep the cores busy.
 */
export const defaultMutateConcurrency = (): number => 4 * defaultConcurrency();

/** What one fault's gate showed. */
export type FaultOutcome =
  /** The invariant named for the fault fired in some scenario. */
  | { kind: "caught" }
  /** Every scenario ran to its end and none fired it: a hole in the gate. */
  | { kind: "missed" }
  /** Not caught, but these scenarios could not run to their end, so any of them might have caught it. */
  | { kind: "undecided"; errored: { scenario: string; error: string }[] };

export interface FaultRow {
  fault: Fault;
  expected: InvariantName;
  /** Scenarios that failed under the fault, with the invariants that fired in each. */
  caughtBy: { scenario: string; invariants: string[] }[];
  outcome: FaultOutcome;
}

export interface MutateResult {
  clean: Verdict;
  /** Scenarios that failed without any fault, with what fired in each: the gate itself is wrong there. */
  cleanFailures: { scenario: string; invariants: string[]; error: string | null }[];
  rows: FaultRow[];
  /** Faults asked for that the engine does not implement: neither caught nor missed. */
  notImplemented: Fault[];
  /** Scenarios the engine cannot run, with what it lacks. */
  skipped: { scenario: string; reason: string }[];
  /** fail: the clean run failed or a fault was missed; error: otherwise, something undecided. */
  verdict: Verdict;
}

function firedIn(result: ScenarioResult): string[] {
  const fired = new Set(result.checks.filter((c) => !c.ok).map((c) => c.invariant as string));
  if (result.reaped.length > 0) fired.add("left-behind");
  if (result.error !== null) fired.add("error");
  return [...fired];
}

/** The row for one fault from its gate's results. */
export function faultRow(fault: Fault, results: readonly ScenarioResult[]): FaultRow {
  const expected = FAULT_TARGETS[fault].invariant;
  const caughtBy = results.filter((r) => r.verdict !== "pass").map((r) => ({ scenario: r.scenario, invariants: firedIn(r) }));
  // A scenario that erred, even one that also leaked, may not have reached its checks.
  const errored = results.flatMap((r) => (r.error === null ? [] : [{ scenario: r.scenario, error: r.error }]));
  const outcome: FaultOutcome = caughtBy.some((c) => c.invariants.includes(expected))
    ? { kind: "caught" }
    : errored.length > 0
      ? { kind: "undecided", errored }
      : { kind: "missed" };
  return { fault, expected, caughtBy, outcome };
}

export function mutateVerdict(clean: Verdict, rows: readonly FaultRow[]): Verdict {
  if (clean === "fail" || rows.some((r) => r.outcome.kind === "missed")) return "fail";
  if (clean === "error" || rows.some((r) => r.outcome.kind === "undecided")) return "error";
  return "pass";
}

/**
 * `targeted` runs each fault against the scenarios listed for it (fast, for the default tests);
 * otherwise every fault runs against every scenario, which also shows what else catches it.
 */
export async function runMutate(
  all: readonly Scenario[],
  asked: readonly Fault[],
  options: Omit<GateOptions, "faults"> & { capabilities: Capabilities },
  targeted: boolean,
  onRow?: (row: FaultRow) => void,
): Promise<MutateResult> {
  const skipped = all.flatMap((s) => {
    const missing = missingCapabilities(s, options.capabilities);
    return missing.length === 0 ? [] : [{ scenario: s.id, reason: `the engine lacks ${missing.join(", ")}` }];
  });
  const scenarios = all.filter((s) => !skipped.some((k) => k.scenario === s.id));
  const faults = asked.filter((f) => options.capabilities.faults.includes(f));
  const notImplemented = asked.filter((f) => !faults.includes(f));
  // Every gate at once, on one count of engines: each gate's first batch (the clean run's first
  // of all), then each gate's second, and so on.
  const slots = new EngineSlots(options.concurrency);
  const [clean, ...rows] = await Promise.all([
    runGate(scenarios, { ...options, faults: [], slots }),
    ...faults.map((fault) => {
      const target = FAULT_TARGETS[fault];
      const selected = targeted ? scenarios.filter((s) => target.scenarios.includes(s.id)) : scenarios;
      return runGate(selected, { ...options, faults: [fault], slots }).then((gate) => {
        const row = faultRow(fault, gate.results);
        onRow?.(row);
        return row;
      });
    }),
  ]);
  const cleanFailures = clean.results.filter((r) => r.verdict !== "pass").map((r) => ({ scenario: r.scenario, invariants: firedIn(r), error: r.error }));
  return {
    clean: clean.verdict,
    cleanFailures,
    rows,
    notImplemented,
    skipped,
    verdict: mutateVerdict(clean.verdict, rows),
  };
}

export function mutateTable(result: MutateResult): string {
  const lines = [
    `clean run: ${result.clean}${result.cleanFailures.length > 0 ? ` (${result.cleanFailures.map((f) => `${f.scenario}: ${f.error ?? f.invariants.join(", ")}`).join("; ")})` : ""}`,
    "",
    `${"fault".padEnd(34)} ${"outcome".padEnd(9)} ${"expected invariant".padEnd(20)} caught by`,
  ];
  for (const row of result.rows) lines.push(`${row.fault.padEnd(34)} ${outcomeWord(row.outcome).padEnd(9)} ${row.expected.padEnd(20)} ${outcomeText(row)}`);
  for (const fault of result.notImplemented) lines.push(`${fault.padEnd(34)} ${"-".padEnd(9)} not implemented by the engine`);
  for (const skip of result.skipped) lines.push(`skipped scenario ${skip.scenario}: ${skip.reason}`);
  const count = (kind: FaultOutcome["kind"]): number => result.rows.filter((r) => r.outcome.kind === kind).length;
  const undecided = count("undecided") > 0 ? `, ${count("undecided")} undecided (a scenario could not run to its end)` : "";
  lines.push("", `reapcheck mutate: ${count("caught")} of ${result.rows.length} faults caught${undecided}, clean run ${result.clean}`);
  return lines.join("\n");
}

/** The progress line's and the table's word for an outcome. */
export function outcomeWord(outcome: FaultOutcome): string {
  switch (outcome.kind) {
    case "caught":
      return "caught";
    case "missed":
      return "MISSED";
    case "undecided":
      return "undecided";
  }
}

function outcomeText(row: FaultRow): string {
  const named = (by: FaultRow["caughtBy"]): string => by.map((c) => `${c.scenario} (${c.invariants.join(", ")})`).join("; ");
  switch (row.outcome.kind) {
    case "caught":
      return named(row.caughtBy);
    case "missed":
      return row.caughtBy.length === 0 ? "nothing: a hole in the gate" : `${named(row.caughtBy)}, but not by ${row.expected}: a hole in the gate`;
    case "undecided": {
      const errors = row.outcome.errored.map((e) => `${e.scenario}: ${e.error.split("\n")[0]!.slice(0, 160)}`).join("; ");
      // What else fired is worth naming; that a scenario erred, the line has said.
      const fired = named(row.caughtBy.map((c) => ({ ...c, invariants: c.invariants.filter((i) => i !== "error") })).filter((c) => c.invariants.length > 0));
      return `undecided, a scenario could not run to its end (${errors})${fired === "" ? "" : `; fired: ${fired}`}`;
    }
  }
}
