// Gate power: run the gate with each fault switched on and show that the invariant named for
// that fault fires. A fault no scenario catches is a hole in the gate.
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

export interface FaultRow {
  fault: Fault;
  expected: InvariantName;
  /** Scenarios that failed under the fault, with the invariants that fired in each. */
  caughtBy: { scenario: string; invariants: string[] }[];
  /** Caught by the invariant named for it. */
  caught: boolean;
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
  verdict: "pass" | "fail";
}

function firedIn(result: ScenarioResult): string[] {
  const fired = new Set(result.checks.filter((c) => !c.ok).map((c) => c.invariant as string));
  if (result.reaped.length > 0) fired.add("left-behind");
  if (result.verdict === "error") fired.add("error");
  return [...fired];
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
        const caughtBy = gate.results.filter((r) => r.verdict !== "pass").map((r) => ({ scenario: r.scenario, invariants: firedIn(r) }));
        const row: FaultRow = { fault, expected: target.invariant, caughtBy, caught: caughtBy.some((c) => c.invariants.includes(target.invariant)) };
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
    verdict: clean.verdict === "pass" && rows.every((r) => r.caught) ? "pass" : "fail",
  };
}

export function mutateTable(result: MutateResult): string {
  const lines = [
    `clean run: ${result.clean}${result.cleanFailures.length > 0 ? ` (${result.cleanFailures.map((f) => `${f.scenario}: ${f.error ?? f.invariants.join(", ")}`).join("; ")})` : ""}`,
    "",
    `${"fault".padEnd(34)} ${"caught".padEnd(7)} ${"expected invariant".padEnd(20)} caught by`,
  ];
  for (const row of result.rows) {
    const by = row.caughtBy.map((c) => `${c.scenario} (${c.invariants.join(", ")})`).join("; ") || "nothing: a hole in the gate";
    lines.push(`${row.fault.padEnd(34)} ${(row.caught ? "yes" : "NO").padEnd(7)} ${row.expected.padEnd(20)} ${by}`);
  }
  for (const fault of result.notImplemented) lines.push(`${fault.padEnd(34)} ${"-".padEnd(7)} not implemented by the engine`);
  for (const skip of result.skipped) lines.push(`skipped scenario ${skip.scenario}: ${skip.reason}`);
  const caught = result.rows.filter((r) => r.caught).length;
  lines.push("", `reapcheck mutate: ${caught} of ${result.rows.length} faults caught, clean run ${result.clean}`);
  return lines.join("\n");
}
