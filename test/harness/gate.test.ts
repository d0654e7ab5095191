import { describe, expect, it } from "vitest";
import { JOB_INVARIANTS } from "../../harness/invariants.js";
import { failedInvariants, gate, scenarios, verdicts } from "../support/gate.js";

const REFERENCE_PATHS = ["complete", "settle-failed", "halt", "fail-route-abandon", "exit-abandon", "cancel", "shutdown"];

/** Each *-skips-release fault and the one terminal path it breaks. */
const RELEASE_FAULTS: [fault: string, scenario: string][] = [
  ["complete-skips-release", "complete"],
  ["settle-skips-release", "settle-failed"],
  ["halt-skips-release", "halt"],
  ["fail-route-abandon-skips-release", "fail-route-abandon"],
  ["exit-abandon-skips-release", "exit-abandon"],
  ["cancel-skips-release", "cancel"],
  ["shutdown-skips-release", "shutdown"],
  ["timeout-skips-release", "step-timeout"],
];

describe("the gate on the correct engine", () => {
  it("passes every terminal path of the reference report, checking every invariant per job", async () => {
    const result = await gate(scenarios(...REFERENCE_PATHS, "step-timeout"));
    expect(verdicts(result)).toEqual(Object.fromEntries([...REFERENCE_PATHS, "step-timeout"].map((id) => [id, "pass"])));
    for (const scenario of result.results) {
      expect(new Set(scenario.checks.map((c) => c.invariant))).toEqual(new Set(JOB_INVARIANTS));
      expect(scenario.reaped).toEqual([]);
    }
  });
});

describe.each(RELEASE_FAULTS)("with %s", (fault, target) => {
  it(`fails ${target} on released and no-surviving-group, and only ${target}`, async () => {
    const result = await gate(scenarios(...REFERENCE_PATHS, "step-timeout"), { faults: [fault] });
    const failing = Object.entries(verdicts(result)).filter(([, v]) => v !== "pass").map(([id]) => id);
    expect(failing).toEqual([target]);
    expect(failedInvariants(result, target)).toEqual(expect.arrayContaining(["released", "no-surviving-group"]));
  });
});
