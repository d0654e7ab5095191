// Which scenarios an adapter's lane runs, and how. The fake adapter runs every scenario as
// written; a real adapter ignores the fake's knobs (latency, [fail], handshake behaviours), so
// each real profile states per scenario what its model does, or why the scenario cannot run.
import type { AdapterProfile, LanePlan, PreparedRun } from "./profile.js";

const FAKE_KNOB = "it needs a fake-adapter knob a real chain does not have";
const ONE_ANSWER = "and the stub answers every turn of a run alike";

/** Every scenario a real chain can take with a stub model, what the model does, or why not. */
export const REAL_ADAPTER_PLAN: LanePlan = {
  complete: { turn: "reply" },
  "complete-parallel": { turn: "reply" },
  "exit-abandon": { turn: "reply" },
  "shared-adapter": { turn: "reply" },
  "loop-limit-then-cancel": { turn: "reply" },
  halt: { turn: "fail" },
  "fail-route-abandon": { turn: "fail" },
  "settle-failed": { turn: "fail" },
  cancel: { turn: "hold" },
  "step-timeout": { turn: "hold" },
  shutdown: { turn: "hold" },
  "crash-restart": { turn: "hold" },
  "exit-abandon-inflight": { skip: `it needs a finished turn beside a held one, ${ONE_ANSWER}` },
  "escalate-then-cancel": { skip: "its exit rule matches the fake adapter's echo of the prompt, which a real model does not give" },
  "sub-job-failed": { skip: `it needs one step to fail and another to succeed, ${ONE_ANSWER}` },
  "adapter-ignores-sigterm": { skip: `${FAKE_KNOB} (ignore_sigterm)` },
  "adapter-crash": { skip: `${FAKE_KNOB} ([crash] prompt directive)` },
  "adapter-escapes-group": { skip: `${FAKE_KNOB} (a child that calls setsid)` },
  "adapter-untagged-member": { skip: `${FAKE_KNOB} (a child that clears its environment)` },
  "handshake-fail": { skip: `${FAKE_KNOB} (handshake behaviours)` },
};

export interface Skip {
  scenario: string;
  adapter: string;
  reason: string;
}

/** Splits scenarios into those the lane runs and those it skips, each skip with its reason. */
export function planLane<S extends { id: string }>(
  adapter: { name: string; plan?: LanePlan },
  scenarios: readonly S[],
): { run: S[]; skipped: Skip[] } {
  const run: S[] = [];
  const skipped: Skip[] = [];
  for (const scenario of scenarios) {
    const plan = adapter.plan === undefined ? { turn: "reply" as const } : adapter.plan[scenario.id];
    if (plan === undefined) {
      skipped.push({ scenario: scenario.id, adapter: adapter.name, reason: `no plan for it in the ${adapter.name} lane (harness/adapters/${adapter.name}.ts)` });
    } else if ("skip" in plan) {
      skipped.push({ scenario: scenario.id, adapter: adapter.name, reason: plan.skip });
    } else {
      run.push(scenario);
    }
  }
  return { run, skipped };
}

/** What a scenario's run needs from its adapter, set up by the profile; nothing for the fake. */
export async function prepareRun(adapter: AdapterProfile, scenarioId: string): Promise<PreparedRun | undefined> {
  if (adapter.prepare === undefined || adapter.plan === undefined) return undefined;
  const entry = adapter.plan[scenarioId];
  if (entry === undefined || "skip" in entry) throw new Error(`scenario ${scenarioId} is not run in the ${adapter.name} lane`);
  const prepared = await adapter.prepare(entry.turn);
  for (const name of entry.unset ?? []) delete prepared.env[name];
  return prepared;
}
