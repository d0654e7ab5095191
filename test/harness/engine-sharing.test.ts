// Scenarios share an engine process for speed, never their verdicts: a leak in one is never
// blamed on another, and what the batch cannot attribute sends its scenarios to engines of their own.
import { describe, expect, it } from "vitest";
import { profileNamed } from "../../harness/adapters/registry.js";
import { packBatches } from "../../harness/engine-batches.js";
import { ProcScan } from "../../harness/probes/proc-scan.js";
import { DEFAULT_RUN_OPTIONS, type RunOptions, runScenarios } from "../../harness/runner.js";
import type { Fault } from "../../protocol/faults.js";
import { whyNoCgroups } from "../../os/cgroup.js";
import { scenarios } from "../support/gate.js";

const options = (faults: Fault[]): RunOptions => ({ ...DEFAULT_RUN_OPTIONS, adapter: profileNamed("fake"), faults, probe: new ProcScan(), deadlineMs: 2_000 });
const failed = (r: { checks: { ok: boolean; invariant: string }[] }): string[] => [...new Set(r.checks.filter((c) => !c.ok).map((c) => c.invariant))].sort();

describe("scenarios sharing one engine", () => {
  it("judge each scenario by its own jobs: the faulted one fails, the clean ones beside it pass", async () => {
    // exit-abandon-skips-release breaks only the exit-abandon path; complete and cancel share its engine.
    const [abandoned, completed, cancelled] = await runScenarios(scenarios("exit-abandon", "complete", "cancel"), options(["exit-abandon-skips-release"]));
    expect(new Set([abandoned!.run, completed!.run, cancelled!.run]).size).toBe(1);
    expect(abandoned!.verdict).toBe("fail");
    expect(failed(abandoned!)).toEqual(expect.arrayContaining(["released", "no-surviving-group"]));
    // The leaked chain is the faulted scenario's, by its job's tag, reaped as its own.
    expect(abandoned!.reaped.length).toBeGreaterThan(0);
    expect(abandoned!.reaped.every((p) => p.job?.includes("exit-abandon.") === true)).toBe(true);
    for (const clean of [completed!, cancelled!]) {
      expect([clean.scenario, clean.verdict, failed(clean), clean.reaped]).toEqual([clean.scenario, "pass", [], []]);
    }
  });

  it.skipIf(whyNoCgroups() !== null)("run again alone when the engine leaves what no scenario's tags account for", async () => {
    // The env-cleared escapee carries no tag and leaves its group: only the shared cgroup finds
    // it, so the batch cannot say whose it is; each scenario is run again in an engine of its own.
    const [escaped, completed] = await runScenarios(scenarios("adapter-clears-env", "complete"), options(["kill-ignores-escapes"]));
    expect(escaped!.run).not.toBe(completed!.run);
    expect(escaped!.verdict).toBe("fail");
    expect(escaped!.reaped.map((p) => p.attributedBy)).toEqual(["cgroup"]);
    expect([completed!.verdict, completed!.reaped]).toEqual(["pass", []]);
  });
});

describe("packing scenarios into engines", () => {
  const all = scenarios();
  it("gives a scenario that shuts down, crashes or plants pid files an engine of its own", () => {
    const alone = packBatches(all, 6).filter((b) => b.length === 1).map((b) => b[0]!.id);
    expect(alone).toEqual(expect.arrayContaining(["shutdown", "crash-restart", "handshake-fail"]));
    for (const batch of packBatches(all, 6).filter((b) => b.length > 1)) {
      expect(batch.map((s) => s.id)).not.toEqual(expect.arrayContaining(["shutdown"]));
      expect(new Set(batch.map((s) => JSON.stringify(s.engine))).size).toBe(1);
    }
  });

  it("keeps every scenario exactly once, at most perEngine to an engine, and one to each with perEngine 1", () => {
    for (const perEngine of [1, 4, 6, 50]) {
      const batches = packBatches(all, perEngine);
      expect(batches.flat().map((s) => s.id).sort()).toEqual(all.map((s) => s.id).sort());
      expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(perEngine);
    }
    expect(packBatches(all, 1).every((b) => b.length === 1)).toBe(true);
  });
});
