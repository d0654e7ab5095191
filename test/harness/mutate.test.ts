import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { CAPABILITIES } from "../../engine/engine.js";
import { FAULTS, type Fault } from "../../protocol/faults.js";
import { profileNamed } from "../../harness/adapters/registry.js";
import { PACKAGE_ROOT } from "../../harness/compiled-paths.js";
import { FAULT_TARGETS, faultRow, mutateVerdict, runMutate } from "../../harness/mutate.js";
import { ProcScan } from "../../harness/probes/proc-scan.js";
import { DEFAULT_RUN_OPTIONS } from "../../harness/runner.js";
import { fail, pass } from "../../result/check.js";
import type { ProcessInfo } from "../../result/process.js";
import type { ScenarioResult } from "../../result/result.js";
import { scenarios } from "../support/gate.js";

describe("reapcheck mutate --targeted", () => {
  it("catches every fault with the invariant named for it, and the clean run passes", async () => {
    const result = await runMutate(
      scenarios(),
      Object.keys(FAULTS) as Fault[],
      { ...DEFAULT_RUN_OPTIONS, capabilities: CAPABILITIES, adapter: profileNamed("fake"), probe: new ProcScan(), concurrency: 4, deadlineMs: 2_000 },
      true,
    );
    expect(result.cleanFailures).toEqual([]);
    const missed = result.rows.filter((r) => r.outcome.kind !== "caught").map((r) => `${r.fault}: ${JSON.stringify(r.caughtBy)}`);
    expect(missed).toEqual([]);
    expect(result.verdict).toBe("pass");
  });

  it("targets only scenarios that exist", () => {
    const ids = new Set(scenarios().map((s) => s.id));
    const unknown = Object.entries(FAULT_TARGETS).flatMap(([fault, t]) => t.scenarios.filter((s) => !ids.has(s)).map((s) => `${fault} → ${s}`));
    expect(unknown).toEqual([]);
  });
});

describe("a fault's row", () => {
  const result = (scenario: string, part: Partial<ScenarioResult>): ScenarioResult => ({
    scenario,
    title: scenario,
    adapter: "fake",
    faults: ["complete-skips-release"],
    run: "r",
    verdict: "pass",
    checks: [pass("released", "job", "released")],
    notObservable: [],
    reaped: [],
    error: null,
    durationMs: 1,
    ...part,
  });
  const leaked = { verdict: "fail" as const, checks: [fail("released", "job", "not released")] };
  const leftover: ProcessInfo = { pid: 4242, ppid: 1, pgid: 4242, sid: 4242, state: "S", starttime: 1, rssBytes: 0, args: "fake-cli", run: "r", job: "r.job", attributedBy: "tag" };

  it("is caught when the invariant named for the fault fires, even beside a scenario that erred", () => {
    const row = faultRow("complete-skips-release", [result("complete", leaked), result("halt", { verdict: "error", checks: [], error: "jobs did not end" })]);
    expect(row.outcome).toEqual({ kind: "caught" });
  });

  it("is missed when every scenario ran to its end and none fired it", () => {
    const other = { verdict: "fail" as const, checks: [fail("no-surviving-group", "job", "a group survived")] };
    const row = faultRow("complete-skips-release", [result("complete", {}), result("halt", other)]);
    expect(row.outcome).toEqual({ kind: "missed" });
    expect(mutateVerdict("pass", [row])).toBe("fail");
  });

  it("is undecided, not missed, when a scenario erred, also one that leaked as it erred", () => {
    const row = faultRow("complete-skips-release", [
      result("complete", { verdict: "fail", checks: [], reaped: [leftover], error: "actions never triggered" }),
      result("halt", { verdict: "error", checks: [], error: "jobs did not end\nengine stderr: …" }),
    ]);
    expect(row.outcome).toEqual({
      kind: "undecided",
      errored: [
        { scenario: "complete", error: "actions never triggered" },
        { scenario: "halt", error: "jobs did not end\nengine stderr: …" },
      ],
    });
    expect(mutateVerdict("pass", [row])).toBe("error");
    expect(mutateVerdict("fail", [row])).toBe("fail");
  });
});

describe("reapcheck mutate, when a scenario cannot run to its end", () => {
  it("says undecided, not a hole, and exits 2", async () => {
    const dir = await mkdtemp(join(tmpdir(), "reapcheck-undecided-"));
    try {
      // The job completes, so the pause its cancel waits for never comes: the scenario errs.
      await writeFile(
        join(dir, "complete.yaml"),
        [
          "id: complete",
          "title: a cancel that waits for a pause that never comes",
          "jobs:",
          "  - id: job",
          "    flow:",
          "      steps:",
          "        - name: plan",
          '          agent: { prompt: "plan" }',
          "actions:",
          "  - when: { event: job.paused, job: job }",
          "    do: cancel",
          "    job: job",
          "expect:",
          "  job: { status: completed, reason: completed }",
          "",
        ].join("\n"),
      );
      const args = ["mutate", "--targeted", "--fault", "complete-skips-release", "--scenarios", dir, "--deadline", "1500"];
      const { exitCode, stdout, stderr } = await execa(process.execPath, [join(PACKAGE_ROOT, "dist/cli/main.js"), ...args], { reject: false });
      expect(stderr).toContain("undecided complete-skips-release");
      expect(stdout).toMatch(/^complete-skips-release\s+undecided\s+released\s+undecided, a scenario could not run to its end \(complete: actions never triggered/m);
      expect(stdout).not.toContain("a hole in the gate");
      expect(stdout).toContain("reapcheck mutate: 0 of 1 faults caught, 1 undecided");
      expect(exitCode).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
