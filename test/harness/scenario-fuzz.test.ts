// Property: whatever is wrong with a scenario document, loading it fails with a ScenarioError
// that names the file and a field, and never with anything else.
import fc from "fast-check";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { ScenarioError, parseScenario } from "../../harness/scenario.js";

const valid = () => ({
  id: "fuzz",
  title: "a valid scenario to break",
  jobs: [
    {
      id: "job",
      flow: {
        steps: [
          { name: "a", agent: { prompt: "go" }, exit_rules: [{ name: "r", when: "always", action: "advance" }] },
          { name: "b", sleep_ms: 1, after: ["a"] },
        ],
      },
    },
  ],
  actions: [{ when: { event: "step.started", job: "job", step: "b" }, do: "cancel", job: "job" }],
  expect: { job: { status: "completed", reason: "completed" } },
});

type Doc = ReturnType<typeof valid>;

/** One way to break a valid document; each yields a document the schema must reject. */
const breakages: fc.Arbitrary<(d: Doc) => unknown> = fc.oneof(
  fc.constantFrom<(d: Doc) => unknown>(
    (d) => ({ ...d, id: undefined }),
    (d) => ({ ...d, jobs: [] }),
    (d) => ({ ...d, expect: {} }),
    (d) => ({ ...d, surprise: true }),
    (d) => ((d.jobs[0]!.flow.steps[1]!.after = ["ghost"]), d),
    (d) => ((d.jobs[0]!.flow.steps[0] = { ...d.jobs[0]!.flow.steps[0]!, after: ["b"] } as never), d),
    (d) => ((d.jobs[0]!.flow.steps[0]!.exit_rules = [{ name: "r", when: "always", action: "loop" }]), d),
    (d) => ((d.jobs[0]!.flow.steps[1] = { name: "b", sleep_ms: -1, after: ["a"] }), d),
    (d) => ((d.jobs[0]!.flow.steps[1] = { name: "b", after: ["a"] } as never), d),
    (d) => ((d.jobs[0]!.flow.steps[0]!.agent = { prompt: "go", profile: "ghost" } as never), d),
    (d) => ((d.actions = [{ do: "cancel" } as never]), d),
    (d) => ((d.actions = [{ do: "cancel", job: "nobody" } as never]), d),
    (d) => ({ ...d, expect: { job: { status: "completed", reason: "vanished" } } }),
    (d) => ({ ...d, expect: { ...d.expect, stranger: { status: "completed", reason: "completed" } } }),
  ),
  // A required scalar replaced by a value of the wrong type.
  fc.tuple(fc.constantFrom("id", "title"), fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer()))).map(
    ([key, value]) => (d: Doc) => ({ ...d, [key]: value }),
  ),
  // A step field of the wrong type.
  fc.tuple(fc.constantFrom("name", "after", "exit_rules", "on_error", "timeout_ms"), fc.oneof(fc.integer({ max: -1 }), fc.constant({}), fc.constant("?"))).map(
    ([key, value]) => (d: Doc) => ((d.jobs[0]!.flow.steps[1] = { ...d.jobs[0]!.flow.steps[1]!, [key]: value } as never), d),
  ),
);

describe("a malformed scenario document", () => {
  it("is a ScenarioError naming the file and a field, whatever is wrong with it", () => {
    fc.assert(
      fc.property(breakages, (breakIt) => {
        const text = stringify(breakIt(valid()));
        let caught: unknown = null;
        try {
          parseScenario(text, "fuzz.yaml");
        } catch (error) {
          caught = error;
        }
        expect(caught).toBeInstanceOf(ScenarioError);
        const error = caught as ScenarioError;
        expect(error.message.startsWith("fuzz.yaml:")).toBe(true);
        expect(error.field.length + error.reason.length).toBeGreaterThan(0);
        expect(error.message.includes("\n")).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it("the unbroken document loads, so every failure above is the breakage's doing", () => {
    expect(parseScenario(stringify(valid()), "fuzz.yaml").id).toBe("fuzz");
  });
});
