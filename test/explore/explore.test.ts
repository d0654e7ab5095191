// reapcheck explore against real engine processes and the fake adapter: a bounded exploration of
// the correct engine finds nothing; with a fault switched on it finds a counterexample nobody
// wrote a scenario for, shrinks it, replays it, and writes it as a scenario the gate fails.
import { describe, expect, it } from "vitest";
import type { Fault } from "../../protocol/faults.js";
import { type ExploreOptions, type ExploreResult, explore } from "../../explore/explore.js";
import { parseReplay } from "../../explore/replay-token.js";
import { scenarioText } from "../../explore/scenario-file.js";
import { ProcScan } from "../../harness/probes/proc-scan.js";
import { failedInvariants, gate } from "../support/gate.js";

// Small histories keep each run under a second; the seeds are fixed so a failure can be replayed.
const options = (faults: Fault[], seed: number, runs: number): ExploreOptions => ({
  runs,
  seed,
  concurrency: 2,
  faults,
  replay: null,
  limits: { maxJobs: 2, maxRestarts: 1 },
  maxCommands: 4,
  probe: new ProcScan(),
  deadlineMs: 1_500,
  drainMs: 20_000,
  killGraceMs: 500,
});

function found(result: ExploreResult): Extract<ExploreResult, { kind: "found" }> {
  if (result.kind !== "found") throw new Error(`nothing found in ${result.runs} runs (seed ${result.seed})`);
  return result;
}

const submits = (result: Extract<ExploreResult, { kind: "found" }>) =>
  result.recorded.history.flatMap((e) => (e.do === "submit" ? [e] : []));

describe("reapcheck explore", () => {
  it("finds nothing on the correct engine", async () => {
    const result = await explore(options([], 11, 6));
    expect(result).toEqual({ kind: "clean", seed: 11, runs: 6 });
  });

  it("shrinks the reference report's bug to its minimal flow, replays it, and writes a scenario the gate fails", async () => {
    const result = found(await explore(options(["exit-abandon-skips-release"], 3, 20)));

    // One job whose only step is an agent turn followed by an `always → abandon` exit rule.
    const [submit, ...more] = submits(result);
    expect(more).toEqual([]);
    expect(submit?.flow.steps).toHaveLength(1);
    expect(submit?.flow.steps[0]).toMatchObject({ agent: { prompt: "do the task" }, exit_rules: [{ when: "always", action: "abandon" }] });
    expect(submit?.flow.steps[0]?.exit_rules).toHaveLength(1);
    expect(result.recorded.outcomes.get("j1")).toEqual({ status: "failed", reason: "abandoned" });
    expect(result.violation).toMatch(/^✗ released \[job j1\]: acp-pool\.releasedJobs = \[\]/);
    expect(result.recorded.failure).not.toBeNull();

    const replayed = found(await explore({ ...options(["exit-abandon-skips-release"], 0, 1), replay: parseReplay(result.replay) }));
    expect(replayed.recorded.history).toEqual(result.recorded.history);
    expect(replayed.violation).toMatch(/^✗ released \[job j1\]/);

    const { scenario } = scenarioText("explore-3", result.recorded, { violation: result.violation, faults: ["exit-abandon-skips-release"], replay: result.replay });
    const ran = await gate([scenario], { faults: ["exit-abandon-skips-release"] });
    expect(ran.results[0]?.verdict).toBe("fail");
    expect(failedInvariants(ran, "explore-3")).toContain("released");
  });

  it("finds a cancel that skips release without being told to cancel, and shrinks it to one job", async () => {
    const result = found(await explore(options(["cancel-skips-release"], 3, 20)));
    expect(submits(result)).toHaveLength(1);
    expect(result.recorded.outcomes.get("j1")).toEqual({ status: "cancelled", reason: "cancelled" });
    expect(result.violation).toMatch(/^✗ released \[job j1\]/);
    // Only the second stream (seed 4) can fail: the first's ten histories (seed 3) are clean on
    // their own. Its token names its own seed, and replays.
    expect(result.seed).toBe(4);
    const replayed = found(await explore({ ...options(["cancel-skips-release"], 0, 1), replay: parseReplay(result.replay) }));
    expect(replayed.recorded.history).toEqual(result.recorded.history);
  });
});
