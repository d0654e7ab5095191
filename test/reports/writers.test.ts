// Each writer on one fixed result (captured from a real faulted run), against its golden file.
import { describe, expect, it } from "vitest";
import { gateJson } from "../../reports/json.js";
import { gateJunit } from "../../reports/junit.js";
import { gateMarkdown, scenarioMarkdown } from "../../reports/markdown.js";
import { reproMarkdown } from "../../reports/repro-bundle.js";
import { resultTreeSvg } from "../../reports/result-tree.js";
import { linePlotSvg } from "../../reports/svg-plot.js";
import { fixture, normalise } from "./fixture.js";
import { expectGolden } from "./golden.js";
import { parseXml } from "./xml-check.js";

const gate = fixture();
const failed = gate.results.find((r) => r.verdict === "fail")!;
const passed = gate.results.find((r) => r.verdict === "pass")!;
const VERSIONS = { reapcheck: "0.0.0-test", node: "v20.0.0", os: "Linux test x64", adapter: "fake: wrapper → agent → cli" };
const SOURCE = "id: exit-abandon\ntitle: a fixed scenario text\n";

describe("writers on a fixed result", () => {
  it("Markdown: a verdict table, then each failure with expected, seen, the survivors and the re-run command", () => {
    const md = gateMarkdown(gate);
    expectGolden("gate.md", normalise(md, gate));
    expect(md).toMatch(/^\| `exit-abandon` \| \*\*FAIL\*\* released, .*no-surviving-group/m);
    expect(md).toMatch(/^\| `complete` \| pass \|$/m);
    expect(md).toContain("npx reapcheck gate --only exit-abandon --adapter fake --fault exit-abandon-skips-release");
    // The chain blamed by two invariants is tabled once.
    expect(md.match(/^\*\*pgid \d+\*\*: 3 process\(es\)/gm)).toHaveLength(1);
  });

  it("JSON: the whole result, schema version included, keys sorted at every level", () => {
    const json = gateJson(gate);
    expectGolden("gate.json", normalise(json, gate));
    const parsed = JSON.parse(json) as Record<string, unknown>;
    expect(parsed.schemaVersion).toBe(1);
    expect(Object.keys(parsed)).toEqual([...Object.keys(parsed)].sort());
    expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(gate)));
  });

  it("JUnit XML", () => {
    expectGolden("junit.xml", normalise(gateJunit(gate), gate));
  });

  it("repro bundle: the leak", () => {
    const bundle = reproMarkdown({ versions: VERSIONS, scenario: { file: "scenarios/exit-abandon.yaml", source: SOURCE }, result: failed, command: "npx reapcheck repro scenarios/exit-abandon.yaml --fault exit-abandon-skips-release" });
    expectGolden("repro-leak.md", normalise(bundle, gate));
    const leakedPgid = failed.checks.find((c) => c.invariant === "no-surviving-group")!.survivors[0]!.pgid;
    expect(bundle).toMatch(new RegExp(`## Leaked process groups\\n\\n\\*\\*pgid ${leakedPgid}\\*\\*: 3 process\\(es\\)`));
    expect(bundle).toContain("| acp-pool | `[]` |");
  });

  it("repro bundle: the control", () => {
    const bundle = reproMarkdown({ versions: VERSIONS, scenario: { file: "scenarios/complete.yaml", source: SOURCE }, result: passed, command: "npx reapcheck repro scenarios/complete.yaml" });
    expectGolden("repro-control.md", normalise(bundle, gate));
    expect(bundle).toContain("**Process table identical before and after**");
    expect(bundle).toContain("None: no process of the job's groups");
  });

  it("SVG process tree of the failed case: well-formed, the job's chain drawn as surviving", () => {
    const svg = resultTreeSvg(failed)!;
    expectGolden("tree.svg", normalise(svg, gate));
    const root = parseXml(svg);
    expect(root.name).toBe("svg");
    const survivedFill = "#ffcdd2";
    const survivors = root.children.filter((e) => e.name === "rect" && e.attributes.fill === survivedFill && e.attributes.width !== "14");
    // Three processes of the chain, in both panels.
    expect(survivors).toHaveLength(6);
  });

  it("SVG line plot: well-formed, one polyline per series, ticks on round numbers", () => {
    const svg = linePlotSvg(
      [
        { label: "tagged RSS (MB)", points: [0, 1, 2, 3, 4].map((x) => ({ x, y: 170 * x + 12 })) },
        { label: "least squares: 170 MB/job", points: [{ x: 0, y: 12 }, { x: 4, y: 692 }], dashed: true },
      ],
      { title: "exit-abandon soak <fault>", x: { label: "jobs", min: 0 }, y: { label: "MB", min: 0 } },
    );
    expectGolden("plot.svg", svg);
    const root = parseXml(svg);
    expect(root.children.filter((e) => e.name === "polyline")).toHaveLength(2);
    const labels = root.children.filter((e) => e.name === "text").map((e) => e.text);
    expect(labels).toEqual(expect.arrayContaining(["0", "100", "400", "700", "exit-abandon soak <fault>"]));
  });
});

describe("a scenario's Markdown on its own", () => {
  it("says what could not run when a scenario errored", () => {
    const md = scenarioMarkdown({ ...passed, verdict: "error", error: "jobs did not end within 30000 ms: job" });
    expect(md).toContain("### ✗ could not run\n\n```\njobs did not end within 30000 ms: job\n```");
  });
});
