import { describe, expect, it } from "vitest";
import { CAPABILITIES } from "../../engine/engine.js";
import { FAULTS, type Fault } from "../../protocol/faults.js";
import { profileNamed } from "../../harness/adapters/registry.js";
import { FAULT_TARGETS, runMutate } from "../../harness/mutate.js";
import { ProcScan } from "../../harness/probes/proc-scan.js";
import { DEFAULT_RUN_OPTIONS } from "../../harness/runner.js";
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
    const missed = result.rows.filter((r) => !r.caught).map((r) => `${r.fault}: ${JSON.stringify(r.caughtBy)}`);
    expect(missed).toEqual([]);
    expect(result.verdict).toBe("pass");
  });

  it("targets only scenarios that exist", () => {
    const ids = new Set(scenarios().map((s) => s.id));
    const unknown = Object.entries(FAULT_TARGETS).flatMap(([fault, t]) => t.scenarios.filter((s) => !ids.has(s)).map((s) => `${fault} → ${s}`));
    expect(unknown).toEqual([]);
  });
});
