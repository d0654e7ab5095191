// The explorer's generated flows and replay tokens, without spawning anything.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseFlow } from "../../protocol/flow-schema.js";
import { flowArbitrary } from "../../explore/flow-arbitrary.js";
import { toFlowDocument } from "../../explore/flow-draft.js";
import { formatReplay, parseReplay } from "../../explore/replay-token.js";
import { InputError } from "../../protocol/input-error.js";

describe("generated flows", () => {
  it("are valid flows, however far they were shrunk", () => {
    fc.assert(fc.property(flowArbitrary, (draft) => void parseFlow(toFlowDocument(draft))), { numRuns: 500 });
  });

  it("shrink to one agent step that succeeds: an empty draft is the simplest flow", () => {
    expect(toFlowDocument({ steps: [] })).toEqual({ steps: [{ name: "s1", agent: { prompt: "do the task", latency_ms: 20, ballast_mb: 1 } }] });
  });

  it("keep `after` to earlier steps and loop targets to the rule's own step or before", () => {
    const step = { executor: "sleep", turn: "ok", agentConfig: 0, slow: false, onError: "fail", timeout: false } as const;
    const doc = toFlowDocument({
      steps: [
        { ...step, rules: [], after: [0, 1] },
        { ...step, rules: [{ when: "always", action: "loop", loopBack: 2, maxIterations: 1 }], after: [0, 0] },
      ],
    });
    expect(doc.steps.map((s) => s.after)).toEqual([undefined, ["s1"]]);
    expect(doc.steps[1]?.exit_rules).toEqual([{ name: "r1", when: "always", action: "loop", target: "s2", max_iterations: 1 }]);
  });
});

describe("replay tokens", () => {
  it("carry the seed, the shrink path and the commands' replay path", () => {
    const token = { seed: -42, path: "3:0:1", replayPath: "AB+/:C" };
    expect(formatReplay(token)).toBe("-42:3:0:1~AB+/:C");
    expect(parseReplay(formatReplay(token))).toEqual(token);
    expect(parseReplay("7:16")).toEqual({ seed: 7, path: "16", replayPath: null });
  });

  it("reject anything else as bad input", () => {
    expect(() => parseReplay("seven")).toThrow(InputError);
    expect(() => parseReplay("7")).toThrow(/expected <seed>:<path>/);
  });
});
