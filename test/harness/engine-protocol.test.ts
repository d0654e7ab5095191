// The engine protocol from the harness's side: conformance passes on a good engine and names the
// rule a broken shim breaks; an engine command that cannot be driven is bad input (exit 2, one
// line, nothing left alive).
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../harness/compiled-paths.js";
import { type ConformanceRule, runConformance } from "../../harness/conformance.js";
import { referenceEngine, shellEngine } from "../../harness/engine-command.js";
import { ProcScan } from "../../harness/probes/proc-scan.js";

const SHIM = join(PACKAGE_ROOT, "test/fixtures/shim-engine.mjs");
const shim = (broken = "none") => shellEngine(`SHIM_BREAK=${broken} ${process.execPath} ${SHIM}`);
const cli = (...args: string[]) =>
  execa(process.execPath, [join(PACKAGE_ROOT, "dist/cli/main.js"), ...args], { reject: false, all: true, timeout: 60_000 });

describe("reapcheck conformance", () => {
  it("passes every rule on the reference engine", async () => {
    const result = await runConformance(referenceEngine(), new ProcScan());
    expect(result.rules.filter((r) => r.verdict !== "pass")).toEqual([]);
    expect(result.verdict).toBe("pass");
  });

  it("passes on a minimal shim that keeps no ledgers, and skips nothing it can run", async () => {
    const result = await runConformance(shim(), new ProcScan());
    expect(result.rules.filter((r) => r.verdict !== "pass")).toEqual([]);
  });

  // Each broken shim breaks one rule; conformance must fail exactly there.
  const broken: [string, ConformanceRule][] = [
    ["no-hello", "hello"],
    ["bad-version", "hello"],
    ["wrong-id", "hello"],
    ["non-json", "hello"],
    ["bad-capabilities", "hello"],
    ["exits-at-once", "hello"],
    ["silent-on-malformed", "malformed-line"],
    ["unknown-ok", "unknown-command"],
    ["no-terminal", "submit"],
    ["cancel-ignored", "cancel"],
    ["shutdown-stays", "shutdown"],
    ["stdin-ignored", "stdin-closed"],
    ["leaks-on-close", "stdin-closed"],
  ];
  it.each(broken)("a shim that breaks %s fails rule %s", async (breaks, rule) => {
    // Short waits: each broken rule is seen at once or after these, and a shim that hangs costs little.
    const result = await runConformance(shellEngine(`SHIM_BREAK=${breaks} ${process.execPath} ${SHIM}`, 1_500), new ProcScan(), { waitMs: 1_500 });
    expect(result.verdict).toBe("fail");
    expect(result.rules.filter((r) => r.verdict === "fail").map((r) => r.rule)).toContain(rule);
  });

  it("exits 1 from the command line on a broken shim, naming the rule", async () => {
    const { exitCode, stdout } = await cli("conformance", "--wait", "2000", "--engine-command", `SHIM_BREAK=unknown-ok ${process.execPath} ${SHIM}`);
    expect(exitCode).toBe(1);
    expect(stdout).toMatch(/^FAIL\s+unknown-command/m);
  });
});

describe("an engine command that cannot be driven is bad input", () => {
  const cases: [string, string, RegExp][] = [
    ["does not exist", "/nonexistent/engine --flag", /exited with code 127 before it answered hello/],
    ["exits at once", `SHIM_BREAK=exits-at-once ${process.execPath} ${SHIM}`, /exited with code 3 before it answered hello/],
    ["prints non-JSON", `SHIM_BREAK=non-json ${process.execPath} ${SHIM}`, /printed a line that is not a JSON object on stdout: "engine starting up\.\.\."/],
    ["answers with the wrong id", `SHIM_BREAK=wrong-id ${process.execPath} ${SHIM}`, /answered with id 42, which no request of ours carries/],
    ["speaks another version", `SHIM_BREAK=bad-version ${process.execPath} ${SHIM}`, /answered hello with protocol 2; reapcheck speaks 1/],
    ["never answers hello", `SHIM_BREAK=no-hello ${process.execPath} ${SHIM}`, /did not answer hello within 1500 ms/],
  ];
  it.each(cases)("an engine that %s: exit 2, one line naming the command", async (_, command, message) => {
    const { exitCode, stderr, stdout } = await cli("gate", "--only", "complete", "--hello-timeout", "1500", "--engine-command", command);
    expect(exitCode).toBe(2);
    expect(stdout).toBe("");
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toContain(`engine "${command}"`);
    expect(stderr).toMatch(message);
  });

  it("a fault the engine does not implement: exit 2, naming what it implements", async () => {
    const { exitCode, stderr } = await cli("gate", "--only", "complete", "--fault", "exit-abandon-skips-release", "--engine-command", `${process.execPath} ${SHIM}`);
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/does not implement fault exit-abandon-skips-release; it implements: none/);
  });
});

describe("a shim that keeps no ledgers, gated", () => {
  it("skips what it cannot run, naming the capability, and reports the unkept evidence as not observable", async () => {
    const dir = await mkdtemp(join(tmpdir(), "reapcheck-test-scenarios-"));
    await writeFile(
      join(dir, "script-completes.yaml"),
      ["id: script-completes", "title: one script step completes", "jobs:", "  - id: job", "    flow:", "      steps:", '        - { name: work, script: "true" }', "expect:", "  job: { status: completed, reason: completed }", ""].join("\n"),
    );
    await copyFile(join(PACKAGE_ROOT, "scenarios/sub-job-failed.yaml"), join(dir, "sub-job-failed.yaml"));
    try {
      const { exitCode, stdout } = await cli("gate", "--scenarios", dir, "--engine-command", `${process.execPath} ${SHIM}`, "--json");
      const result = JSON.parse(stdout) as {
        skipped: { scenario: string; reason: string }[];
        results: { scenario: string; verdict: string; checks: { invariant: string }[]; notObservable: { invariant: string }[] }[];
      };
      expect(result.skipped).toContainEqual(expect.objectContaining({ scenario: "sub-job-failed", reason: expect.stringContaining('executor "sub_job"') }));
      const ran = result.results.find((r) => r.scenario === "script-completes")!;
      expect(ran.verdict).toBe("pass");
      const unseen = ["released", "refs-drained", "no-stale-pidfile", "workspace-removed"];
      expect(ran.notObservable.map((n) => n.invariant).sort()).toEqual([...unseen].sort());
      // Not observable is never passed: no check of those invariants is reported at all.
      expect(ran.checks.filter((c) => unseen.includes(c.invariant))).toEqual([]);
      expect(exitCode).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a gate that ran nothing is not green: every scenario skipped exits 2", async () => {
    const { exitCode, stderr } = await cli("gate", "--only", "complete", "--engine-command", `${process.execPath} ${SHIM}`);
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/nothing was checked/);
  });
});
