import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenario } from "../../harness/scenario.js";
import type { Fault } from "../../protocol/faults.js";
import { JOB_INVARIANTS } from "../../result/check.js";
import { FAULT_TARGETS } from "../../harness/mutate.js";
import { failedInvariants, gate, scenarios, verdicts } from "../support/gate.js";

const REFERENCE_PATHS = ["complete", "settle-failed", "halt", "fail-route-abandon", "exit-abandon", "cancel", "shutdown"];

const PRECISION_SET = [...REFERENCE_PATHS, "step-timeout"];

/**
 * Each *-skips-release fault of those paths and the one path it breaks, as mutate targets them.
 * Mutate proves each fault is caught; this proves the fault is precise: nothing else fails.
 */
const RELEASE_FAULTS = Object.entries(FAULT_TARGETS)
  .filter(([fault, target]) => fault.endsWith("-skips-release") && PRECISION_SET.includes(target.scenarios[0]!))
  .map(([fault, target]) => [fault as Fault, target.scenarios[0]!] as const);

describe("the gate on the correct engine", () => {
  it("passes every terminal path of the reference report, checking every invariant per job", async () => {
    const result = await gate(scenarios(...PRECISION_SET));
    expect(verdicts(result)).toEqual(Object.fromEntries(PRECISION_SET.map((id) => [id, "pass"])));
    for (const scenario of result.results) {
      expect(new Set(scenario.checks.map((c) => c.invariant))).toEqual(new Set(JOB_INVARIANTS));
      expect(scenario.reaped).toEqual([]);
    }
  });
});

it("covers the seven paths of the reference report and the timeout", () => {
  expect(RELEASE_FAULTS.map(([, target]) => target).sort()).toEqual([...PRECISION_SET].sort());
});

describe.each(RELEASE_FAULTS)("with %s", (fault, target) => {
  it(`fails ${target} on released and no-surviving-group, and only ${target}`, async () => {
    const result = await gate(scenarios(...PRECISION_SET), { faults: [fault] });
    const failing = Object.entries(verdicts(result)).filter(([, v]) => v !== "pass").map(([id]) => id);
    expect(failing).toEqual([target]);
    expect(failedInvariants(result, target)).toEqual(expect.arrayContaining(["released", "no-surviving-group"]));
  });
});

describe("a scenario whose action's moment never comes", () => {
  it("is an error that says how the job ended instead", async () => {
    const dir = await mkdtemp(join(tmpdir(), "reapcheck-untriggered-"));
    try {
      // The cancel waits for a prompt that is never sent: the adapter refuses session/new first.
      const file = join(dir, "untriggered.yaml");
      await writeFile(
        file,
        [
          "id: untriggered",
          "title: a cancel whose prompt never comes",
          "real_adapters: { skip: fake knob }",
          "jobs:",
          "  - id: job",
          "    flow:",
          "      steps:",
          "        - name: work",
          "          agent: { prompt: hi, handshake: error-session-new }",
          "actions:",
          "  - when: { event: agent.prompt_sent, job: job, step: work }",
          "    do: cancel",
          "    job: job",
          "expect:",
          "  job: { status: cancelled, reason: cancelled }",
        ].join("\n"),
      );
      const [result] = (await gate([loadScenario(file)])).results;
      expect(result?.verdict).toBe("error");
      expect(result?.error).toMatch(/actions never triggered: cancel on agent\.prompt_sent of job\/work \(the job ended failed: step_failed \(.*session\/new refused.*\)\)/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
