// Engines no one here wrote, gated from outside on the fake chain (a real three-process ACP chain):
// acpx and acp-factory. Their deterministic leaks are found in every run, their clean
// transitions pass, what a black box cannot see is reported as not observable (never as passed),
// a baseline turns the known leaks into exit 0 and a removed entry into exit 1, and every run
// leaves nothing. Longer runs (the timeout, the other session transitions, the racy `sessions close`, --repeat, the
// claude-agent-acp lane) are in black-box-lanes.test.ts, behind `npm run gate:engines`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GateReport, InputError, exitCodeFor, runGate, scanRun } from "../../api/index.js";
import { acpxEngine } from "../../engines/acpx.js";
import { applyBaseline, loadBaseline } from "../../engines/baseline.js";
import { wilson } from "../../engines/leak-rate.js";
import { runBlackBoxGate } from "../../engines/gate.js";
import { openEngine } from "../../engines/registry.js";
import { profileNamed } from "../../harness/adapters/registry.js";
import { ProcScan } from "../../harness/probes/proc-scan.js";
import { PACKAGE_ROOT } from "../../harness/compiled-paths.js";
import type { ScenarioResult } from "../../result/result.js";

const ACPX = ["exec-complete", "exec-cancel", "exec-adapter-crash", "exec-client-sigkill"];
const FACTORY = ["close-after-turn", "cancel", "adapter-crash", "host-sigkill"];
const NOT_OBSERVABLE = ["released", "refs-drained", "no-stale-pidfile", "no-running-step", "workspace-removed"];
const CLI = join(PACKAGE_ROOT, "dist/cli/main.js");
const ACPX_BASELINE = join(PACKAGE_ROOT, "engines/acpx.known-leaks.yaml");
const FACTORY_BASELINE = join(PACKAGE_ROOT, "engines/acp-factory.known-leaks.yaml");

let acpx: GateReport;
let acpxSession: GateReport;
let factory: GateReport;
const scratch = mkdtempSync(join(tmpdir(), "reapcheck-bb-test-"));

beforeAll(async () => {
  // Two runs at a time in all: the host has two cores. A leaking run waits out the deadline.
  const gate = (engine: string, only: string[]): Promise<GateReport> => runGate({ engine, only, deadlineMs: 2_000, concurrency: 1 });
  [acpx, [factory, acpxSession]] = await Promise.all([
    gate("acpx", ACPX),
    gate("acp-factory", FACTORY).then(async (f) => [f, await gate("acpx", ["idle-ttl"])] as const),
  ]);
}, 180_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const resultOf = (report: GateReport, id: string): ScenarioResult => {
  const found = report.results.find((r) => r.scenario === id);
  if (found === undefined) throw new Error(`${id} did not run`);
  return found;
};
const failed = (r: ScenarioResult): string[] => [...new Set(r.checks.filter((c) => !c.ok).map((c) => c.invariant))].sort();
const why = (r: ScenarioResult): string => `${r.scenario}: ${r.verdict} ${failed(r).join(",")} ${r.error ?? ""}`;
const survivorArgs = (r: ScenarioResult): string[] => r.checks.filter((c) => !c.ok && c.invariant === "no-tagged-survivor").flatMap((c) => c.survivors.map((p) => p.args));

function expectCleanAndHonest(r: ScenarioResult): void {
  expect(why(r)).toBe(`${r.scenario}: pass  `);
  // What a black box cannot see is listed as such, and never appears among the checks passed.
  expect(r.notObservable.map((n) => n.invariant)).toEqual(expect.arrayContaining(NOT_OBSERVABLE));
  expect(r.checks.map((c) => c.invariant).filter((i) => NOT_OBSERVABLE.includes(i))).toEqual([]);
  expect(r.checks.map((c) => c.invariant)).toEqual(expect.arrayContaining(["outcome", "no-surviving-group", "no-tagged-survivor", "no-foreign-kill"]));
  expect(r.reaped).toEqual([]);
}

describe("acpx 0.19.1, black box, fake chain", () => {
  it("SIGKILL of the acpx client mid-turn: the whole chain survives, found by tag and by group, and is reaped", async () => {
    const r = resultOf(acpx, "exec-client-sigkill");
    expect(r.verdict).toBe("fail");
    expect(failed(r)).toEqual(["no-surviving-group", "no-tagged-survivor"]);
    for (const part of ["fake-wrapper", "fake/agent", "fake-cli"]) expect(survivorArgs(r)).toEqual(expect.arrayContaining([expect.stringContaining(part)]));
    expect(r.reaped.length).toBeGreaterThanOrEqual(3);
    expect(r.checks.find((c) => c.invariant === "no-premature-kill")?.ok).toBe(true);
    expect(await scanRun(r.run)).toEqual([]);
  });

  it("completion, SIGINT cancel, an adapter crash, and a queue owner's idle TTL end clean", () => {
    for (const id of ["exec-complete", "exec-cancel", "exec-adapter-crash"]) expectCleanAndHonest(resultOf(acpx, id));
    expectCleanAndHonest(resultOf(acpxSession, "idle-ttl"));
    expect(resultOf(acpx, "exec-cancel").checks.find((c) => c.invariant === "outcome")?.detail).toMatch(/cancelled/);
    // The adapter ends itself in a crash: the premature-kill witness does not apply, and says so.
    expect(resultOf(acpx, "exec-adapter-crash").notObservable.map((n) => n.invariant)).toContain("no-premature-kill");
  });
});

describe("acp-factory 0.1.14, black box, fake chain", () => {
  it("SIGKILL of the host mid-turn: the detached group survives, found by tag and by group, and is reaped", async () => {
    const r = resultOf(factory, "host-sigkill");
    expect(r.verdict).toBe("fail");
    expect(failed(r)).toEqual(["no-surviving-group", "no-tagged-survivor"]);
    for (const part of ["fake-wrapper", "fake/agent", "fake-cli"]) expect(survivorArgs(r)).toEqual(expect.arrayContaining([expect.stringContaining(part)]));
    expect(new Set(r.reaped.map((p) => p.pgid)).size).toBe(1);
    expect(await scanRun(r.run)).toEqual([]);
  });

  it("close() after a turn, cancel then close(), and an adapter crash then close() end clean", () => {
    for (const id of ["close-after-turn", "cancel", "adapter-crash"]) expectCleanAndHonest(resultOf(factory, id));
  });
});

describe("the known-leaks baseline", () => {
  it("turns the known leaks into exit 0", () => {
    for (const [report, file] of [[acpx, ACPX_BASELINE], [factory, FACTORY_BASELINE]] as const) {
      expect(exitCodeFor(report.verdict)).toBe(1);
      const judged = applyBaseline(report, loadBaseline(file));
      expect(judged.baseline?.unlisted).toEqual([]);
      expect(judged.baseline?.known.length).toBe(2);
      expect(judged.baseline?.measured).toBe("fail");
      expect(exitCodeFor(judged.verdict)).toBe(0);
    }
  });

  it("a removed entry makes its leak new again: exit 1, naming it", () => {
    const text = readFileSync(ACPX_BASELINE, "utf8").replace(/ {2}- transition: exec-client-sigkill\n {4}invariant: no-tagged-survivor\n(?: {4}.*\n)*?(?= {2}- )/, "");
    expect(text).not.toEqual(readFileSync(ACPX_BASELINE, "utf8"));
    const file = join(scratch, "removed.yaml");
    writeFileSync(file, text);
    const judged = applyBaseline(acpx, loadBaseline(file));
    expect(judged.baseline?.unlisted).toEqual([{ scenario: "exec-client-sigkill", invariant: "no-tagged-survivor", adapter: "fake" }]);
    expect(judged.results.find((r) => r.scenario === "exec-client-sigkill")?.baseline).toEqual({ kind: "new", unlisted: ["no-tagged-survivor"] });
    expect(exitCodeFor(judged.verdict)).toBe(1);
  });

  it("a listed leak that did not happen is reported fixed, and does not fail the gate", () => {
    const file = join(scratch, "stale.yaml");
    writeFileSync(file, `${readFileSync(FACTORY_BASELINE, "utf8")}\n  - transition: close-after-turn\n    invariant: no-tagged-survivor\n`);
    const judged = applyBaseline(factory, loadBaseline(file));
    expect(judged.baseline?.fixed.map((e) => `${e.scenario} ${e.invariant}`)).toEqual(["close-after-turn no-tagged-survivor"]);
    expect(exitCodeFor(judged.verdict)).toBe(0);
  });

  it("a malformed baseline is bad input naming the file, the line and the field", () => {
    const file = join(scratch, "bad.yaml");
    writeFileSync(file, "leaks:\n  - transition: host-sigkill\n    invariant: 7\n");
    expect(() => loadBaseline(file)).toThrow(InputError);
    expect(() => loadBaseline(file)).toThrow(/bad\.yaml:3: leaks\.0\.invariant/);
  });
});

describe("leak rates", () => {
  it("are bounded by the 95% Wilson score interval", () => {
    const close = (x: number): number => Math.round(x * 1000) / 1000;
    expect([wilson(0, 10).low, close(wilson(0, 10).high)]).toEqual([0, 0.278]);
    expect([close(wilson(7, 10).low), close(wilson(7, 10).high)]).toEqual([0.397, 0.892]);
    expect([close(wilson(10, 10).low), wilson(10, 10).high]).toEqual([0.722, 1]);
  });
});

describe("a transition that does not end in time", () => {
  it("is reported as timed out, and whatever it started is reaped by tag", async () => {
    // The queue owner's idle TTL alone is 3 s: idle-ttl cannot end within 2.5 s.
    const report = await runBlackBoxGate({ engine: "acpx", adapters: [profileNamed("fake")], only: ["idle-ttl"], repeat: 1, deadlineMs: 1_000, transitionTimeoutMs: 2_500, concurrency: 1, probe: new ProcScan() });
    const r = report.results[0]!;
    expect(r.error).toMatch(/^idle-ttl did not end within 2500 ms; its processes were reaped by tag/);
    expect(r.verdict).not.toBe("pass");
    expect(await scanRun(r.run)).toEqual([]);
  });
});

describe("bad input", () => {
  it("an unknown engine, an unknown transition, or --engine with --engine-command: one line, exit 2, nothing started", async () => {
    for (const args of [
      ["gate", "--engine", "no-such-engine"],
      ["gate", "--engine", "acpx", "--only", "no-such-transition"],
      ["gate", "--engine", "acpx", "--engine-command", "python3 engine.py"],
      ["repro", "--engine", "acpx"],
    ]) {
      const { exitCode, stderr } = await execa(process.execPath, [CLI, ...args], { reject: false });
      expect(exitCode, args.join(" ")).toBe(2);
      expect(stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
    }
  });

  it("an engine that is not installed is bad input naming the install command", () => {
    expect(() => openEngine({ ...acpxEngine, name: "ghost", package: "reapcheck-no-such-engine" })).toThrow(
      "engine ghost is not installed: run npm install --save-dev --save-exact reapcheck-no-such-engine@0.19.1",
    );
  });
});
