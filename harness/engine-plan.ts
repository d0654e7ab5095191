// What a scenario needs of an engine, held against what the engine's hello says it can do: a
// scenario that needs more is skipped naming the capability, and an invariant whose evidence the
// engine does not keep is reported not observable. Never either as a pass.
import type { FlowDocument } from "../protocol/flow-schema.js";
import type { Capabilities } from "../protocol/messages.js";
import type { InvariantName } from "../result/check.js";
import type { Scenario } from "./scenario.js";

type StepDocument = FlowDocument["steps"][number];

function stepsOf(flow: FlowDocument): StepDocument[] {
  return flow.steps.flatMap((step) => [step, ...(step.sub_job === undefined ? [] : stepsOf(step.sub_job as FlowDocument))]);
}

/** Each capability the scenario uses that the engine lacks, in words, e.g. `executor "sub_job"`. */
export function missingCapabilities(scenario: Scenario, caps: Capabilities): string[] {
  const missing = new Set<string>();
  const need = (has: boolean, what: string): void => {
    if (!has) missing.add(what);
  };
  for (const step of scenario.jobs.flatMap((job) => stepsOf(job.flow))) {
    const executor = step.agent !== undefined ? "agent" : step.script !== undefined ? "script" : step.sub_job !== undefined ? "sub_job" : "sleep";
    need(caps.executors.includes(executor), `executor "${executor}"`);
    for (const rule of step.exit_rules ?? []) need(caps.exitActions.includes(rule.action), `exit action "${rule.action}"`);
    const onError = step.on_error ?? "fail";
    need(caps.onError.includes(onError), `on_error "${onError}"`);
    if (step.timeout_ms !== undefined) need(caps.stepTimeouts, "step timeouts");
  }
  for (const action of scenario.actions) {
    switch (action.do) {
      case "cancel":
      case "resume":
        need(caps.commands.includes(action.do), `command "${action.do}"`);
        break;
      case "crash-restart":
        need(caps.crashRestart, "crash restart");
        break;
      case "plant-decoy":
        need(caps.pidFiles, "pid files");
        break;
      case "shutdown":
        break;
    }
  }
  for (const expected of Object.values(scenario.expect)) need(caps.outcomes.includes(expected.reason), `outcome "${expected.reason}"`);
  return [...missing];
}

/** The invariants an engine gives no evidence for, each with the reason. */
export function unobservable(caps: Capabilities): Map<InvariantName, string> {
  const found = new Map<InvariantName, string>();
  if (!caps.ledgers) found.set("released", "the engine keeps no release ledgers");
  if (!caps.pool) found.set("refs-drained", "the engine reports no adapter pool refs");
  if (!caps.pidFiles) found.set("no-stale-pidfile", "the engine keeps no pid files");
  if (!caps.workspaces) found.set("workspace-removed", "the engine keeps no workspaces");
  return found;
}
