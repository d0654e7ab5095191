import { describe, expect, it } from "vitest";
import { parseFlow } from "../../protocol/flow-schema.js";

const step = (extra: object) => ({ name: "a", sleep_ms: 1, ...extra });

describe("flow schema", () => {
  it("fills an agent step's defaults", () => {
    const flow = parseFlow({ steps: [{ name: "triage", agent: { prompt: "go" } }] });
    expect(flow.steps[0]).toMatchObject({
      name: "triage",
      after: [],
      onError: "fail",
      timeoutMs: null,
      executor: { kind: "agent", prompt: "go", agent: { profile: "default", behaviour: { handshake: "ok" } } },
    });
  });

  it.each([
    ["a step with no executor", { steps: [{ name: "a" }] }, /exactly one executor/],
    ["a step with two executors", { steps: [step({ script: "true" })] }, /exactly one executor/],
    ["an after naming a missing step", { steps: [step({ after: ["ghost"] })] }, /no step named "ghost"/],
    ["a cyclic after", { steps: [step({ after: ["b"] }), { name: "b", sleep_ms: 1, after: ["a"] }] }, /cyclic after/],
    ["a loop without target", { steps: [step({ exit_rules: [{ name: "r", when: "always", action: "loop" }] })] }, /needs a target/],
    ["a negative timeout", { steps: [step({ timeout_ms: -5 })] }, /steps\[0\]\.timeout_ms: Too small/],
    ["an unknown field", { steps: [step({ retries: 3 })] }, /steps\[0\]: Unrecognized key: "retries"/],
    ["duplicate step names", { steps: [step({}), step({})] }, /duplicate step "a"/],
  ])("rejects %s", (_, document, message) => {
    expect(() => parseFlow(document)).toThrow(message);
  });
});
