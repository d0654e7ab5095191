// The JUnit file, checked the way a CI parser reads it: well-formed XML, counts that add up, one
// testcase per scenario × invariant, and each failure's text the Markdown of that failure.
import { describe, expect, it } from "vitest";
import { gateJunit } from "../../reports/junit.js";
import type { GateResult } from "../../result/result.js";
import { fixture } from "./fixture.js";
import { type XmlElement, parseXml } from "./xml-check.js";

const kids = (e: XmlElement, name: string): XmlElement[] => e.children.filter((c) => c.name === name);
const outcome = (testcase: XmlElement): XmlElement | undefined => testcase.children.find((c) => c.name === "failure" || c.name === "error");

function expectConsistent(root: XmlElement): void {
  expect(root.name).toBe("testsuites");
  const suites = kids(root, "testsuite");
  for (const suite of suites) {
    const cases = kids(suite, "testcase");
    expect(Number(suite.attributes.tests)).toBe(cases.length);
    expect(Number(suite.attributes.failures)).toBe(cases.filter((c) => outcome(c)?.name === "failure").length);
    expect(Number(suite.attributes.errors)).toBe(cases.filter((c) => outcome(c)?.name === "error").length);
    for (const c of cases) {
      expect(c.attributes.name).toBeTruthy();
      expect(c.attributes.classname).toBeTruthy();
      const o = outcome(c);
      if (o !== undefined) expect(o.attributes.message).toBeTruthy();
    }
  }
  const sum = (key: string): number => suites.reduce((n, s) => n + Number(s.attributes[key]), 0);
  for (const key of ["tests", "failures", "errors"]) expect(Number(root.attributes[key])).toBe(sum(key));
}

describe("JUnit XML", () => {
  const gate = fixture();

  it("is well-formed and its counts add up", () => {
    expectConsistent(parseXml(gateJunit(gate)));
  });

  it("has one testcase per scenario × invariant, plus left-behind", () => {
    const root = parseXml(gateJunit(gate));
    for (const [i, suite] of kids(root, "testsuite").entries()) {
      const result = gate.results[i]!;
      expect(suite.attributes.name).toBe(`${result.scenario} [${result.adapter}]`);
      expect(kids(suite, "testcase").map((c) => c.attributes.name)).toEqual([...new Set(result.checks.map((c) => c.invariant)), "left-behind"]);
    }
  });

  it("gives each failure the Markdown of that failure: invariant, what was seen, the re-run command", () => {
    const suite = kids(parseXml(gateJunit(gate)), "testsuite")[0]!;
    const released = kids(suite, "testcase").find((c) => c.attributes.name === "released")!;
    const text = outcome(released)!.text;
    expect(text).toContain("### ✗ `released`, job `job`");
    expect(text).toContain("acp-pool.releasedJobs = []");
    expect(text).toContain("npx reapcheck gate --only exit-abandon --adapter fake --fault exit-abandon-skips-release");
    expect(text).not.toContain("refs-drained");
  });

  it("stays well-formed whatever a command line or an error holds", () => {
    const [failed] = gate.results;
    const hostile = `node x.js ]]> <b> & "q" 'a' \u0001\u001b[0m`;
    const broken: GateResult = {
      ...gate,
      verdict: "error",
      results: [{ ...failed!, verdict: "error", error: "engine said ]]> & <nope>", reaped: [{ ...failed!.checks[3]!.survivors[0]!, args: hostile }] }],
    };
    const root = parseXml(gateJunit(broken));
    expectConsistent(root);
    const cases = kids(kids(root, "testsuite")[0]!, "testcase");
    expect(outcome(cases.find((c) => c.attributes.name === "run")!)!.attributes.message).toBe("engine said ]]> & <nope>");
    expect(outcome(cases.find((c) => c.attributes.name === "left-behind")!)!.text).toContain("node x.js ]]> <b> & \"q\" 'a' [0m");
  });
});
