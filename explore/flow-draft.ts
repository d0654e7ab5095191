// A flow as the explorer generates it: small choices, each of which shrinks towards the simplest
// value, turned into a flow document by one total function. Drafts rather than documents because
// a shrunk draft is always a valid flow: a dropped step cannot leave a dangling `after` or target.
import type { FlowDocument } from "../protocol/flow-schema.js";

export type ExecutorChoice = "agent" | "sleep" | "script" | "sub_job";
/** What the step's work does: the fake agent fails on "[fail]" and dies mid-turn on "[crash]". */
export type TurnChoice = "ok" | "fail" | "crash";
export type WhenChoice = "always" | "output";
export type ActionChoice = "advance" | "abandon" | "escalate" | "loop";
export type OnErrorChoice = "fail" | "continue" | "abandon";

export interface RuleDraft {
  when: WhenChoice;
  action: ActionChoice;
  /** A loop goes back to this step index, clamped to the rule's own step. */
  loopBack: number;
  maxIterations: number;
}

export interface StepDraft {
  executor: ExecutorChoice;
  turn: TurnChoice;
  /** Which of the few agent configs: equal configs share one adapter across jobs. */
  agentConfig: number;
  slow: boolean;
  rules: RuleDraft[];
  onError: OnErrorChoice;
  /** A timeout shorter than a slow turn (and than an adapter's start-up). */
  timeout: boolean;
  /** Step indices this one waits for; only earlier steps count. */
  after: number[];
}

export interface FlowDraft {
  steps: StepDraft[];
}

/** Kept tiny so hundreds of runs stay cheap: 1 MiB of ballast, turns of tens of milliseconds. */
export const AGENT_COST = { ballastMb: 1, fastMs: 20, slowMs: 300, timeoutMs: 150 } as const;
const MODELS = ["default", "alt"] as const;
const PROMPTS: Record<TurnChoice, string> = { ok: "do the task", fail: "do the task [fail]", crash: "do the task [crash]" };
const SCRIPTS: Record<TurnChoice, string> = { ok: "echo ok", fail: "exit 3", crash: "kill -9 $$" };

function agentOf(step: StepDraft): Record<string, unknown> {
  const model = MODELS[step.agentConfig % MODELS.length] ?? "default";
  return {
    prompt: PROMPTS[step.turn],
    ...(model === "default" ? {} : { model }),
    ...(step.slow ? { latency_ms: AGENT_COST.slowMs } : { latency_ms: AGENT_COST.fastMs }),
    ballast_mb: AGENT_COST.ballastMb,
  };
}

function executorOf(step: StepDraft): Record<string, unknown> {
  switch (step.executor) {
    case "agent":
      return { agent: agentOf(step) };
    case "sleep":
      return { sleep_ms: step.slow ? AGENT_COST.slowMs : AGENT_COST.fastMs };
    case "script":
      return { script: SCRIPTS[step.turn] };
    case "sub_job":
      return { sub_job: { steps: [{ name: "inner", agent: agentOf(step) }] } };
  }
}

function ruleOf(rule: RuleDraft, index: number, own: number): Record<string, unknown> {
  const when = rule.when === "always" ? "always" : { output_contains: "ok" };
  const base = { name: `r${index + 1}`, when, action: rule.action };
  // A loop without a bound would never end; every generated loop pauses past its limit.
  return rule.action === "loop"
    ? { ...base, target: stepName(Math.min(rule.loopBack, own)), max_iterations: rule.maxIterations }
    : base;
}

const stepName = (index: number): string => `s${index + 1}`;

/** What an empty draft stands for. Drafts may be empty so that shrinking can drop any step:
 *  fast-check never drops the last element of an array held at a minimum length of one. */
const SIMPLEST_STEP: StepDraft = { executor: "agent", turn: "ok", agentConfig: 0, slow: false, rules: [], onError: "fail", timeout: false, after: [] };

export function toFlowDocument(draft: FlowDraft): FlowDocument {
  const steps = draft.steps.length > 0 ? draft.steps : [SIMPLEST_STEP];
  return {
    steps: steps.map((step, i) => {
      const after = [...new Set(step.after.filter((j) => j < i))].sort().map(stepName);
      return {
        name: stepName(i),
        ...executorOf(step),
        ...(after.length > 0 ? { after } : {}),
        ...(step.rules.length > 0 ? { exit_rules: step.rules.map((r, j) => ruleOf(r, j, i)) } : {}),
        ...(step.onError === "fail" ? {} : { on_error: step.onError }),
        ...(step.timeout ? { timeout_ms: AGENT_COST.timeoutMs } : {}),
      } as FlowDocument["steps"][number];
    }),
  };
}
