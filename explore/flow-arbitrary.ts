// Random flows for the explorer. Every choice is ordered so that its first value is the simplest
// (an agent step, a turn that succeeds, no rules, `on_error: fail`): shrinking moves each choice
// towards it, so a failing flow shrinks to the few choices the failure needs, such as the
// reference report's one agent step with an `always → abandon` exit rule.
import fc from "fast-check";
import type { ActionChoice, ExecutorChoice, FlowDraft, OnErrorChoice, RuleDraft, StepDraft, TurnChoice, WhenChoice } from "./flow-draft.js";

/**
 * One of the values, drawn by weight. Shrinking tries the first value only: stepping through the
 * others would cost a run of real processes each and rarely make the case any simpler.
 */
export function weighted<T>(...entries: readonly [T, number][]): fc.Arbitrary<T> {
  return fc.oneof({ withCrossShrink: true }, ...entries.map(([value, weight]) => ({ arbitrary: fc.constant(value), weight })));
}

export const MAX_STEPS = 3;

const ruleArbitrary: fc.Arbitrary<RuleDraft> = fc.record({
  when: weighted<WhenChoice>(["always", 2], ["output", 1]),
  // `advance` is what no rule does too: drawn least, but first, as the simplest.
  action: weighted<ActionChoice>(["advance", 1], ["abandon", 2], ["escalate", 2], ["loop", 2]),
  loopBack: fc.nat({ max: MAX_STEPS - 1 }),
  maxIterations: fc.integer({ min: 1, max: 2 }),
});

const stepArbitrary: fc.Arbitrary<StepDraft> = fc.record({
  executor: weighted<ExecutorChoice>(["agent", 6], ["sleep", 1], ["script", 1], ["sub_job", 1]),
  turn: weighted<TurnChoice>(["ok", 6], ["fail", 2], ["crash", 1]),
  agentConfig: fc.nat({ max: 1 }),
  slow: weighted<boolean>([false, 3], [true, 1]),
  rules: fc.array(ruleArbitrary, { maxLength: 2 }),
  onError: weighted<OnErrorChoice>(["fail", 2], ["continue", 1], ["abandon", 1]),
  timeout: weighted<boolean>([false, 5], [true, 1]),
  after: fc.array(fc.nat({ max: MAX_STEPS - 2 }), { maxLength: 2 }),
});

export const flowArbitrary: fc.Arbitrary<FlowDraft> = fc.record({
  steps: fc.array(stepArbitrary, { maxLength: MAX_STEPS }),
});
