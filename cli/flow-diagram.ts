// A flow as a small text diagram: steps in stages by their `after` dependencies (a stage's steps
// run in parallel), each with the exit rules, failure routing and timeout that can end the job.
import { type ExitRule, type Executor, type Flow, type StepSpec, unreachable } from "../protocol/model.js";

function executorText(executor: Executor): string {
  switch (executor.kind) {
    case "agent":
      return `agent "${executor.prompt}"`;
    case "script":
      return `script \`${executor.command}\``;
    case "sleep":
      return `sleep ${executor.ms} ms`;
    case "sub_job":
      return `sub-job of ${executor.flow.steps.length} step(s)`;
    default:
      return unreachable(executor);
  }
}

function ruleText(rule: ExitRule): string {
  const when = rule.when.kind === "always" ? "always" : `output contains "${rule.when.text}"`;
  const action = rule.action;
  switch (action.kind) {
    case "advance":
      return `exit ${rule.name}: ${when} → advance`;
    case "loop":
      return `exit ${rule.name}: ${when} → loop to ${action.target} (max ${action.maxIterations}; past it the job pauses)`;
    case "escalate":
      return `exit ${rule.name}: ${when} → escalate (the job pauses, keeping its resources)`;
    case "abandon":
      return `exit ${rule.name}: ${when} → abandon ⇒ the job ends failed, abandoned`;
    default:
      return unreachable(action);
  }
}

/** Each step's stage: one past the latest stage among the steps it waits for. */
function stages(flow: Flow): StepSpec[][] {
  const stageOf = new Map<string, number>();
  const depth = (step: StepSpec): number => {
    const known = stageOf.get(step.name);
    if (known !== undefined) return known;
    const deps = step.after.map((name) => flow.steps.find((s) => s.name === name)).filter((s) => s !== undefined);
    const d = deps.length === 0 ? 0 : 1 + Math.max(...deps.map(depth));
    stageOf.set(step.name, d);
    return d;
  };
  const out: StepSpec[][] = [];
  for (const step of flow.steps) (out[depth(step)] ??= []).push(step);
  return out;
}

export function flowDiagram(flow: Flow, indent = "  "): string[] {
  const lines: string[] = [];
  stages(flow).forEach((stage, i) => {
    if (i > 0) lines.push(`${indent}│`);
    lines.push(`${indent}${stage.length > 1 ? "╞═" : "├─"} ${stage.map((s) => s.name).join(" ‖ ")}${stage.length > 1 ? "   (in parallel)" : ""}`);
    for (const step of stage) {
      const notes = [
        executorText(step.executor),
        ...(step.after.length > 0 ? [`after ${step.after.join(", ")}`] : []),
        ...(step.timeoutMs !== null ? [`timeout ${step.timeoutMs} ms ⇒ the job ends failed, timeout`] : []),
        ...(step.onError !== "fail" ? [`on_error: ${step.onError}`] : []),
        ...step.exitRules.map(ruleText),
      ];
      lines.push(...notes.map((note) => `${indent}│   ${stage.length > 1 ? `${step.name}: ` : ""}${note}`));
      if (step.executor.kind === "sub_job") lines.push(...flowDiagram(step.executor.flow, `${indent}│     `));
    }
  });
  lines.push(`${indent}▼`, `${indent}end of flow`);
  return lines;
}
