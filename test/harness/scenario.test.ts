import { describe, expect, it } from "vitest";
import { ScenarioError, parseScenario } from "../../harness/scenario.js";
import { scenarios } from "../support/gate.js";

const valid = `id: s
title: t
jobs:
  - id: job
    flow:
      steps:
        - name: a
          sleep_ms: 1
expect:
  job: { status: completed, reason: completed }
`;

function errorOf(text: string, file = "s.yaml"): ScenarioError {
  try {
    parseScenario(text, file);
  } catch (error) {
    if (error instanceof ScenarioError) return error;
    throw error;
  }
  throw new Error("parsed without error");
}

describe("scenario files", () => {
  it("accepts a minimal scenario", () => {
    expect(parseScenario(valid, "s.yaml")).toMatchObject({ id: "s", jobs: [{ id: "job" }], actions: [] });
  });

  it("loads every scenario shipped in scenarios/", () => {
    expect(scenarios().length).toBeGreaterThanOrEqual(7);
  });

  it.each([
    ["YAML with a duplicate key", valid.replace("title: t", "title: t\ntitle: again"), 3, "", /not valid YAML: Map keys must be unique/],
    ["a timer Node.js cannot keep", valid.replace("sleep_ms: 1", "sleep_ms: 2147483648"), 8, "jobs[0].flow.steps[0].sleep_ms", /at most 2147483647 ms/],
    ["a step timeout of 2^32 ms", valid.replace("sleep_ms: 1", "sleep_ms: 1\n          timeout_ms: 4294967296"), 9, "jobs[0].flow.steps[0].timeout_ms", /at most 2147483647 ms/],
    ["a missing expectation", valid.replace("  job: { status: completed, reason: completed }", "  {}"), 10, "expect", /no expectation for job "job"/],
    ["an unknown reason", valid.replace("reason: completed", "reason: vanished"), 10, "expect.job.reason", /Invalid option/],
    ["a cancel without a job", `${valid}actions:\n  - do: cancel\n`, 12, "actions[0].job", /needs the job it acts on/],
    ["a step on job.released", `${valid}actions:\n  - when: { event: job.released, job: job, step: a }\n    do: cancel\n    job: job\n`, 12, "actions[0].when.step", /takes no step/],
    ["a negative timeout", valid.replace("sleep_ms: 1", "sleep_ms: 1\n          timeout_ms: -1"), 9, "jobs[0].flow.steps[0].timeout_ms", /Too small/],
  ])("rejects %s, naming the line and field", (_, text, line, field, reason, file = "s.yaml") => {
    const error = errorOf(text, file);
    expect({ file: error.file, line: error.line, field: error.field }).toEqual({ file, line, field });
    expect(error.reason).toMatch(reason);
  });
});
