// A child that leaves its chain's group and clears its environment is invisible to groups and
// tags. The run's cgroup still holds it: the tag probe misses it in every job check (asserted:
// that miss is why the cgroup probe exists), the cgroup probe names it in the job's checks, and
// cgroup.kill ends it either way.
import { describe, expect, it } from "vitest";
import { runGate } from "../../api/index.js";
import { whyNoCgroups } from "../../os/cgroup.js";

const cannot = whyNoCgroups();
const faulted = (probe: "proc" | "cgroup") => runGate({ only: ["adapter-clears-env"], faults: ["kill-ignores-escapes"], probe, deadlineMs: 1_500 });

describe.skipIf(cannot !== null)("an escapee that clears its environment", () => {
  it("is missed by every job check of the tag probe, and found only by the run's cgroup at the end", async () => {
    const report = await faulted("proc");
    const [result] = report.results;
    expect(result!.checks.filter((c) => !c.ok)).toEqual([]);
    expect(result!.reaped.map((p) => [p.args, p.attributedBy])).toEqual([["[sleep]", "cgroup"]]);
    expect(result!.verdict).toBe("fail");
  });

  it("is named in the job's checks by the cgroup probe, and ended by cgroup.kill", async () => {
    const report = await faulted("cgroup");
    const [result] = report.results;
    const survivors = result!.checks.filter((c) => !c.ok && c.invariant === "no-tagged-survivor").flatMap((c) => c.survivors);
    expect(survivors.map((p) => [p.args, p.attributedBy])).toEqual([["sleep 300", "cgroup"]]);
    expect(result!.reaped.map((p) => p.pid)).toEqual(survivors.map((p) => p.pid));
  });

  it("is ended by the sound engine, which reads a chain's descendants before it kills the group", async () => {
    for (const probe of ["proc", "cgroup"] as const) {
      const report = await runGate({ only: ["adapter-clears-env"], probe });
      expect(report.verdict).toBe("pass");
    }
  });
});

describe.runIf(cannot !== null)("where cgroups cannot be made", () => {
  it("the cgroup probe is refused, saying why", async () => {
    await expect(faulted("cgroup")).rejects.toThrow(/--probe cgroup needs cgroups/);
  });
});
