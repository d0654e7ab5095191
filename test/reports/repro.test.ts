// Repro bundles from real runs: the faulted one names the leaked group the probe saw; the
// control says the process table did not change. Each run must leave nothing of its own behind.
import { afterEach, describe, expect, it } from "vitest";
import type { Fault } from "../../protocol/faults.js";
import { profileNamed } from "../../harness/adapters/registry.js";
import { reproduce } from "../../cli/repro.js";
import { isAlive } from "../../result/process.js";
import { ProcScan } from "../../harness/probes/proc-scan.js";
import type { ScenarioResult } from "../../result/result.js";
import { scenarios } from "../support/gate.js";

const probe = new ProcScan();
const runs: string[] = [];

const repro = async (faults: Fault[]): Promise<{ bundle: string; result: ScenarioResult }> => {
  const out = await reproduce(scenarios("exit-abandon")[0]!, { adapter: profileNamed("fake"), faults, probe, deadlineMs: 1_500, command: "npx reapcheck repro exit-abandon", log: () => undefined });
  runs.push(out.result.run);
  return out;
};

afterEach(async () => {
  // Only this file's runs: other sessions may be running reapcheck on the same host.
  const left = (await probe.scan()).filter((p) => p.run !== null && runs.includes(p.run) && isAlive(p));
  expect(left.map((p) => `${p.pid} ${p.args}`)).toEqual([]);
});

describe("reapcheck repro", () => {
  it("with the reference report's fault, names the leaked pgid the probe saw, its RSS and the empty ledger", async () => {
    const { bundle, result } = await repro(["exit-abandon-skips-release"]);
    expect(result.verdict).toBe("fail");
    const after = result.snapshots!.find((s) => s.phase === "after")!;
    const probed = [...new Set(after.processes.filter((p) => p.job !== null).map((p) => p.pgid))];
    expect(probed).toHaveLength(1);
    const pgid = probed[0]!;
    expect(result.checks.find((c) => c.invariant === "no-surviving-group")!.survivors.map((p) => p.pgid)).toContain(pgid);
    expect(bundle).toMatch(new RegExp(`## Leaked process groups\\n\\n\\*\\*pgid ${pgid}\\*\\*: 3 process\\(es\\), [\\d.]+ MB RSS`));
    expect(bundle).toMatch(/\| acp-pool \| `\[\]` \|/);
    expect(bundle).toContain("process(es) alive after the deadline that were not there before the job");
    for (const heading of ["## Versions", "## Scenario", "### Before the job", "### At the terminal event", "### After the deadline", "## Verdict"]) {
      expect(bundle).toContain(heading);
    }
  });

  it("against the correct engine, writes the control: process table identical before and after", async () => {
    const { bundle, result } = await repro([]);
    expect(result.verdict).toBe("pass");
    expect(bundle).toContain("**Process table identical before and after**");
    expect(bundle).toContain(`| acp-pool | \`["${result.run}.job"]\` |`);
  });
});
