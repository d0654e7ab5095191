// The real chain of the reference report, driven offline: npm exec → sh → node claude-agent-acp
// → claude, with turns answered by the loopback model stub.
import { describe, expect, it } from "vitest";
import { measureChain } from "../../harness/adapters/chain-rss.js";
import { profileNamed } from "../../harness/adapters/registry.js";
import { ProcScan } from "../../harness/probes/proc-scan.js";
import { newRunId } from "../../harness/runner.js";
import type { ScenarioResult } from "../../result/result.js";
import { failureSummary, gate, scenarios, verdicts } from "../support/gate.js";

const claude = profileNamed("claude-agent-acp");
const available = claude.available();
// The minimum for a real chain: every key transition, a real handshake refusal, a crash-restart.
const KEY_PATHS = ["complete", "exit-abandon", "fail-route-abandon", "halt", "cancel", "step-timeout", "handshake-fail", "shared-adapter", "shutdown", "crash-restart"];

/** The live processes a failing result blamed, as "args" lines. */
function survivors(result: ScenarioResult | undefined): { args: string; rssBytes: number }[] {
  return (result?.checks ?? []).filter((c) => !c.ok).flatMap((c) => c.survivors);
}

describe.skipIf(!available.ok)("the claude-agent-acp lane", () => {
  it("starts the measured chain shape in one process group, and reports its RSS", async () => {
    const chain = await measureChain(claude, new ProcScan(), newRunId());
    const shape = chain.processes.map((p) => p.args);
    expect(shape[0]).toMatch(/^npm exec/);
    expect(shape).toEqual(expect.arrayContaining([expect.stringMatching(/^sh -c .*claude-agent-acp/), expect.stringMatching(/^node .*claude-agent-acp/), expect.stringMatching(/^claude/)]));
    expect(chain.processes.every((p) => p.pgid === chain.pgid)).toBe(true);
    // The CLI also runs short-lived helpers (sh, ps, grep) that may be exiting, with no memory left.
    const resident = chain.processes.filter((p) => /^(npm exec|node |claude)/.test(p.args));
    expect(resident.map((p) => p.rssBytes > 0)).toEqual([true, true, true]);
  });

  it("passes every key transition with real prompt turns", async () => {
    const result = await gate(scenarios(...KEY_PATHS), { adapter: claude, deadlineMs: 5_000 });
    expect(verdicts(result), failureSummary(result)).toEqual(Object.fromEntries(KEY_PATHS.map((id) => [id, "pass"])));
    expect(result.results.flatMap((r) => r.reaped)).toEqual([]);
  });

  it("fails exit-abandon-skips-release and kill-pid-not-group, naming the surviving chain with RSS", async () => {
    const [skipsRelease, pidOnly] = await Promise.all([
      gate(scenarios("exit-abandon"), { adapter: claude, faults: ["exit-abandon-skips-release"] }),
      gate(scenarios("complete"), { adapter: claude, faults: ["kill-pid-not-group"] }),
    ]);
    expect(verdicts(skipsRelease)).toEqual({ "exit-abandon": "fail" });
    expect(verdicts(pidOnly)).toEqual({ complete: "fail" });

    const leaked = survivors(skipsRelease.results[0]).map((p) => p.args);
    expect(leaked).toEqual(expect.arrayContaining([expect.stringMatching(/^npm exec/), expect.stringMatching(/^node .*claude-agent-acp/), expect.stringMatching(/^claude/)]));
    // The root died by the pid kill; its adapter and CLI live on as orphans.
    const orphans = survivors(pidOnly.results[0]);
    expect(orphans.map((p) => p.args)).toEqual(expect.arrayContaining([expect.stringMatching(/^node .*claude-agent-acp/), expect.stringMatching(/^claude/)]));
    expect(orphans.map((p) => p.args)).not.toEqual(expect.arrayContaining([expect.stringMatching(/^npm exec/)]));
    expect([...survivors(skipsRelease.results[0]), ...orphans].every((p) => p.rssBytes > 0)).toBe(true);
  });
});

describe.runIf(!available.ok)("without the claude-agent-acp package", () => {
  it("says why the lane cannot run", () => {
    expect(available).toMatchObject({ ok: false, reason: expect.stringContaining("claude-agent-acp") });
  });
});
