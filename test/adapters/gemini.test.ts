// Gemini CLI's ACP mode through npm exec: npm exec → sh → node gemini → node gemini, with turns
// answered offline by the loopback model stub's Gemini API.
import { describe, expect, it } from "vitest";
import { profileNamed } from "../../harness/adapters/registry.js";
import type { ScenarioResult } from "../../result/result.js";
import { gate, scenarios, verdicts } from "../support/gate.js";

const gemini = profileNamed("gemini");
const available = gemini.available();
// A finished turn (complete, exit-abandon), a failed one (halt), a held one cancelled (cancel).
const KEY_PATHS = ["complete", "exit-abandon", "halt", "cancel"];

/** The live processes a failing result blamed. */
function survivors(result: ScenarioResult | undefined): { args: string; rssBytes: number }[] {
  return (result?.checks ?? []).filter((c) => !c.ok).flatMap((c) => c.survivors);
}

describe.skipIf(!available.ok)("the gemini lane", () => {
  it("passes the key transitions with real prompt turns, a finished one among them", async () => {
    const result = await gate(scenarios(...KEY_PATHS), { adapter: gemini, deadlineMs: 5_000 });
    expect(verdicts(result)).toEqual(Object.fromEntries(KEY_PATHS.map((id) => [id, "pass"])));
    expect(result.results.flatMap((r) => r.reaped)).toEqual([]);
  });

  it("fails exit-abandon-skips-release, naming the surviving gemini chain with RSS", async () => {
    const result = await gate(scenarios("exit-abandon"), { adapter: gemini, faults: ["exit-abandon-skips-release"] });
    expect(verdicts(result)).toEqual({ "exit-abandon": "fail" });
    const leaked = survivors(result.results[0]);
    // The whole chain: npm exec, its sh, node gemini, and the node it relaunches with a larger heap.
    expect(leaked.map((p) => p.args)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^npm exec gemini --acp/),
        expect.stringMatching(/^sh -c 'gemini' --acp/),
        expect.stringMatching(/^node \S*\/gemini --acp/),
        expect.stringMatching(/node --max-old-space-size=\d+ \S*\/gemini --acp/),
      ]),
    );
    expect(leaked.every((p) => p.rssBytes > 0)).toBe(true);
  });
});

describe.runIf(!available.ok)(`without the gemini package (${available.ok ? "" : available.reason})`, () => {
  it("says why the lane cannot run", () => {
    expect(available).toMatchObject({ ok: false, reason: expect.stringContaining("@google/gemini-cli") });
  });
});
