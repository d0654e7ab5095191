// JUnit XML for CI: a testsuite per scenario × adapter, a testcase per invariant, and the
// Markdown of the failure as the failure's text, so the CI page reads like the issue would.
import { unreachable } from "../protocol/model.js";
import { LEFT_BEHIND } from "./invariant-meaning.js";
import { failureMarkdown, rerunMarkdown, scenarioHeading } from "./markdown.js";
import type { GateResult, ScenarioResult } from "../result/result.js";
import { cdata, escapeXml } from "./xml.js";

type Outcome = { kind: "pass" } | { kind: "skipped"; message: string } | { kind: "failure"; message: string; text: string } | { kind: "error"; message: string; text: string };

interface Testcase {
  name: string;
  outcome: Outcome;
}

function testcases(result: ScenarioResult): Testcase[] {
  const document = (parts: string[]): string => [scenarioHeading(result), ...parts, rerunMarkdown(result)].join("\n\n");
  const invariants = [...new Set(result.checks.map((c) => c.invariant))];
  const cases: Testcase[] = invariants.map((name) => {
    const failing = result.checks.filter((c) => c.invariant === name && !c.ok);
    if (failing.length === 0) return { name, outcome: { kind: "pass" } };
    return {
      name,
      outcome: {
        kind: "failure",
        message: `${name} failed for job ${failing.map((c) => c.job).join(", ")}`,
        text: document(failing.map((check) => failureMarkdown(result, { kind: "check", check }))),
      },
    };
  });
  // Evidence the engine does not keep is neither a pass nor a failure.
  for (const { invariant, reason } of result.notObservable) cases.push({ name: invariant, outcome: { kind: "skipped", message: `not observable: ${reason}` } });
  // An errored run may have stopped before reaping; only a finished run vouches for left-behind.
  if (result.error !== null) {
    cases.push({ name: "run", outcome: { kind: "error", message: result.error.split("\n")[0] ?? "", text: document([failureMarkdown(result, { kind: "error", message: result.error })]) } });
  }
  cases.push(
    result.reaped.length === 0
      ? { name: LEFT_BEHIND, outcome: { kind: "pass" } }
      : {
          name: LEFT_BEHIND,
          outcome: {
            kind: "failure",
            message: `${result.reaped.length} process(es) outlived the engine`,
            text: document([failureMarkdown(result, { kind: "left-behind", processes: result.reaped })]),
          },
        },
  );
  return cases;
}

function testcaseXml(result: ScenarioResult, testcase: Testcase): string {
  const open = `    <testcase name="${escapeXml(testcase.name)}" classname="${escapeXml(`reapcheck.${result.adapter}.${result.scenario}`)}" time="0"`;
  const { outcome } = testcase;
  switch (outcome.kind) {
    case "pass":
      return `${open}/>`;
    case "skipped":
      return `${open}>\n      <skipped message="${escapeXml(outcome.message)}"/>\n    </testcase>`;
    case "failure":
    case "error":
      return `${open}>\n      <${outcome.kind} message="${escapeXml(outcome.message)}" type="${escapeXml(testcase.name)}">${cdata(outcome.text)}</${outcome.kind}>\n    </testcase>`;
    default:
      return unreachable(outcome);
  }
}

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

const countsOf = (cases: readonly Testcase[]): Counts => ({
  tests: cases.length,
  failures: cases.filter((c) => c.outcome.kind === "failure").length,
  errors: cases.filter((c) => c.outcome.kind === "error").length,
  skipped: cases.filter((c) => c.outcome.kind === "skipped").length,
});

const countAttributes = (c: Counts, seconds: number): string =>
  `tests="${c.tests}" failures="${c.failures}" errors="${c.errors}" skipped="${c.skipped}" time="${seconds.toFixed(3)}"`;

export function gateJunit(gate: GateResult): string {
  const suites = gate.results.map((result) => ({ result, cases: testcases(result) }));
  const total = suites.reduce<Counts>(
    (sum, { cases }) => {
      const c = countsOf(cases);
      return { tests: sum.tests + c.tests, failures: sum.failures + c.failures, errors: sum.errors + c.errors, skipped: sum.skipped + c.skipped };
    },
    { tests: 0, failures: 0, errors: 0, skipped: 0 },
  );
  const seconds = gate.results.reduce((sum, r) => sum + r.durationMs, 0) / 1000;
  const body = suites.map(({ result, cases }) =>
    [
      `  <testsuite name="${escapeXml(`${result.scenario} [${result.adapter}]`)}" ${countAttributes(countsOf(cases), result.durationMs / 1000)}>`,
      ...cases.map((c) => testcaseXml(result, c)),
      "  </testsuite>",
    ].join("\n"),
  );
  return [`<?xml version="1.0" encoding="UTF-8"?>`, `<testsuites name="reapcheck gate" ${countAttributes(total, seconds)}>`, ...body, "</testsuites>", ""].join("\n");
}
