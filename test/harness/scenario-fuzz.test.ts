// Property: whatever is wrong with a scenario document, loading it fails with a ScenarioError
// that names the file and a field, and never with anything else; the CLI then exits 2 having
// started nothing.
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import fc from "fast-check";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../harness/compiled-paths.js";
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

/** Every path to a value in a document, for mutations anywhere in it. */
function paths(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return [at, ...value.flatMap((v, i) => paths(v, [...at, i]))];
  if (value !== null && typeof value === "object") return [at, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...at, k]))];
  return [at];
}

function mutate(doc: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  const copy = (Array.isArray(doc) ? [...doc] : { ...(doc as object) }) as Record<string | number, unknown>;
  copy[head!] = mutate(copy[head!], rest, replacement);
  return copy;
}

const strange = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.boolean(), fc.constant(null), fc.string({ maxLength: 3 }), fc.constant({ x: 1 }), fc.constant([]));

function loadOrError(text: string): ScenarioError | null {
  try {
    parseScenario(text, "fuzz.yaml");
    return null;
  } catch (error) {
    if (error instanceof ScenarioError) return error;
    throw error;
  }
}

describe("a randomly mutated scenario document", () => {
  it("either loads or fails with a one-line ScenarioError naming the field, never anything else", () => {
    const all = paths(valid()).filter((p) => p.length > 0);
    fc.assert(
      fc.property(fc.constantFrom(...all), strange, (path, replacement) => {
        const error = loadOrError(stringify(mutate(valid(), path, replacement)));
        if (error === null) return;
        expect(error.message.startsWith("fuzz.yaml:")).toBe(true);
        expect(error.message.includes("\n")).toBe(false);
        expect(error.field).not.toBe("");
      }),
      { numRuns: 500 },
    );
  });
});

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

  it("stops the CLI with exit 2 before anything starts: no engine, no state folder", async () => {
    const dir = await mkdtemp(join(tmpdir(), "reapcheck-fuzz-"));
    const scratch = await mkdtemp(join(tmpdir(), "reapcheck-fuzz-tmp-"));
    try {
      await writeFile(join(dir, "fuzz.yaml"), stringify({ ...valid(), jobs: [] }));
      const { exitCode, stderr } = await execa(process.execPath, [join(PACKAGE_ROOT, "dist/cli/main.js"), "gate", "--scenarios", dir], {
        reject: false,
        env: { TMPDIR: scratch },
      });
      expect(exitCode).toBe(2);
      expect(stderr).toMatch(/fuzz\.yaml:\d+: jobs: /);
      // Every run's engine gets a state folder under TMPDIR before it starts: none was made.
      expect(await readdir(scratch)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await rm(scratch, { recursive: true, force: true });
    }
  });

  it("the unbroken document loads, so every failure above is the breakage's doing", () => {
    expect(parseScenario(stringify(valid()), "fuzz.yaml").id).toBe("fuzz");
  });
});
