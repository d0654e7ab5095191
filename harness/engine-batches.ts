// Which scenarios may share one engine process, and how they are packed. Starting an engine is
// most of a scenario's cost, so scenarios that do not act on the engine as a whole run side by
// side in one, each under a profile of its own: the pool shares a chain only between equal
// agent configs, so no chain is ever shared across scenarios.
import type { FlowDocument } from "../protocol/flow-schema.js";
import type { Scenario } from "./scenario.js";

/** A scenario that shuts the engine down, crashes it or plants pid files in its state needs an engine of its own. */
function needsOwnEngine(scenario: Scenario): boolean {
  return scenario.actions.some((a) => a.do === "shutdown" || a.do === "crash-restart" || a.do === "plant-decoy");
}

/** Scenarios with equal engine settings can share; null: this one runs alone. */
export function shareKey(scenario: Scenario): string | null {
  return needsOwnEngine(scenario) ? null : JSON.stringify(scenario.engine);
}

/**
 * The scenarios in engines: those that can share, at most `perEngine` to an engine and spread
 * evenly; the rest one to an engine. Two scenarios of one id never share (ids name the profiles).
 */
export function packBatches(scenarios: readonly Scenario[], perEngine: number): Scenario[][] {
  const alone: Scenario[][] = [];
  const byKey = new Map<string, Scenario[]>();
  for (const scenario of scenarios) {
    const key = perEngine <= 1 ? null : shareKey(scenario);
    if (key === null) alone.push([scenario]);
    else byKey.set(key, [...(byKey.get(key) ?? []), scenario]);
  }
  const shared = [...byKey.values()].flatMap((group) => {
    const count = Math.ceil(group.length / perEngine);
    const batches: Scenario[][] = Array.from({ length: count }, () => []);
    for (const scenario of group) {
      const batch = batches.find((b) => b.length < Math.ceil(group.length / count) && !b.some((s) => s.id === scenario.id));
      if (batch === undefined) alone.push([scenario]);
      else batch.push(scenario);
    }
    return batches.filter((b) => b.length > 0);
  });
  // The long-lived solo engines (shutdown, crash-restart) start first, so they overlap the rest.
  return [...alone, ...shared];
}

/** The scenario's flow with every agent step on the given profile (scenario files name only "default"). */
export function onProfile(flow: FlowDocument, profile: string): FlowDocument {
  return {
    ...flow,
    steps: flow.steps.map((step) => ({
      ...step,
      ...(step.agent === undefined ? {} : { agent: { ...step.agent, profile } }),
      ...(step.sub_job === undefined ? {} : { sub_job: onProfile(step.sub_job as FlowDocument, profile) }),
    })),
  };
}
