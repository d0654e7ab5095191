// The long black-box runs, behind `npm run gate:engines` (REAPCHECK_ENGINE_LANES=1): every other
// transition of acpx and acp-factory on the fake chain, the racy `sessions close` through
// --repeat, the claude-agent-acp lane, and the CLI's --baseline and `repro --engine` end to end.
// The default `npm test` runs black-box.test.ts only.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { type GateReport, runGate, scanRun } from "../../api/index.js";
import { profileNamed } from "../../harness/adapters/registry.js";
import { PACKAGE_ROOT } from "../../harness/compiled-paths.js";
import type { ScenarioResult } from "../../result/result.js";

const LANES = process.env.REAPCHECK_ENGINE_LANES === "1";
const CLI = join(PACKAGE_ROOT, "dist/cli/main.js");
const LONG = 900_000;
// Made only when a test needs it: a skipped file must leave no folder behind.
let scratch: string | undefined;
const scratchDir = (): string => (scratch ??= mkdtempSync(join(tmpdir(), "reapcheck-bb-lanes-")));
afterAll(() => {
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
});

const failed = (r: ScenarioResult | undefined): string[] => [...new Set(r?.checks.filter((c) => !c.ok).map((c) => c.invariant) ?? [])].sort();
const verdicts = (report: GateReport): Record<string, string> =>
  Object.fromEntries(report.results.map((r) => [r.scenario, r.verdict === "error" ? `error: ${(r.error ?? "").split("\n")[0]}` : r.verdict]));
const leakedBoth = (report: GateReport, ids: readonly string[]): void => {
  for (const id of ids) expect(`${id}: ${failed(report.results.find((r) => r.scenario === id)).join(",")}`).toBe(`${id}: no-surviving-group,no-tagged-survivor`);
};
const nothingLeft = async (report: GateReport): Promise<void> => {
  for (const r of report.results) expect(await scanRun(r.run)).toEqual([]);
};

describe.skipIf(!LANES)("acpx 0.19.1 on the fake chain: the long transitions", () => {
  it("SIGTERM, --timeout, a setsid helper and `acpx cancel` end clean; a double-forked helper, the owner's SIGKILL and its restart leak", async () => {
    const clean = ["exec-sigterm", "exec-timeout", "exec-escape-setsid", "session-cancel"];
    const leaky = ["exec-escape-double-fork", "owner-sigkill", "owner-crash-restart"];
    const report = await runGate({ engine: "acpx", only: [...clean, ...leaky], concurrency: 2 });
    expect(verdicts(report)).toEqual({ ...Object.fromEntries(clean.map((id) => [id, "pass"])), ...Object.fromEntries(leaky.map((id) => [id, "fail"])) });
    leakedBoth(report, leaky);
    await nothingLeft(report);
  }, LONG);

  it("`sessions close` leaks the chain at a rate (measured ≥ 50%): seen at least once in 10 runs", async () => {
    const report = await runGate({ engine: "acpx", only: ["sessions-close"], repeat: 10, concurrency: 2 });
    const rate = report.results[0]?.leakRate;
    expect(rate?.runs).toBe(10);
    expect(rate?.leaked).toBeGreaterThanOrEqual(1);
    expect(rate!.low).toBeLessThanOrEqual(rate!.leaked / 10);
    expect(rate!.high).toBeGreaterThanOrEqual(rate!.leaked / 10);
  }, LONG);
});

describe.skipIf(!LANES)("acp-factory 0.1.14 on the fake chain: the other transitions", () => {
  it("close() mid-turn ends clean; the host's SIGTERM, a setsid helper and a host crash-and-restart leak", async () => {
    const leaky = ["host-sigterm", "escape-setsid", "host-crash-restart"];
    const report = await runGate({ engine: "acp-factory", only: ["close-mid-turn", ...leaky], concurrency: 2 });
    expect(verdicts(report)).toEqual({ "close-mid-turn": "pass", ...Object.fromEntries(leaky.map((id) => [id, "fail"])) });
    leakedBoth(report, leaky);
    await nothingLeft(report);
  }, LONG);
});

const claude = profileNamed("claude-agent-acp");

describe.skipIf(!LANES || !claude.available().ok)("the claude-agent-acp lane (npm exec → sh → node adapter → claude)", () => {
  it("acpx: a completed exec is clean; SIGKILL of the client mid-turn leaves the real chain, claude included", async () => {
    const report = await runGate({ engine: "acpx", adapter: "claude-agent-acp", only: ["exec-complete", "exec-client-sigkill"], concurrency: 2 });
    expect(verdicts(report)).toEqual({ "exec-complete": "pass", "exec-client-sigkill": "fail" });
    const leak = report.results.find((r) => r.scenario === "exec-client-sigkill")!;
    // The Claude Code CLI runs as the agent SDK's cli.js (or, retitled, as "claude").
    expect(leak.reaped.map((p) => p.args)).toEqual(expect.arrayContaining([expect.stringMatching(/^npm exec/), expect.stringMatching(/claude-agent-sdk\/cli\.js|^claude\b/)]));
    await nothingLeft(report);
  }, LONG);

  it("acp-factory: close() after a turn is clean; a host stopped by SIGTERM leaves the detached group", async () => {
    const report = await runGate({ engine: "acp-factory", adapter: "claude-agent-acp", only: ["close-after-turn", "host-sigterm"], concurrency: 2 });
    expect(verdicts(report)).toEqual({ "close-after-turn": "pass", "host-sigterm": "fail" });
    await nothingLeft(report);
  }, LONG);
});

describe.skipIf(!LANES)("the CLI end to end", () => {
  it("gate --baseline: the shipped baseline turns a known leak into exit 0, and --repeat prints its rate", async () => {
    const { exitCode, stdout } = await execa(process.execPath, [CLI, "gate", "--engine", "acp-factory", "--only", "host-sigkill", "--repeat", "2", "--baseline", join(PACKAGE_ROOT, "engines/acp-factory.known-leaks.yaml")], { reject: false });
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/2\/2 leaked \(95% CI 34%–100%\)/);
    expect(stdout).toMatch(/known {2}host-sigkill no-tagged-survivor/);
  }, LONG);

  it("repro --engine writes a bundle with the commands, the process tables and the survivors", async () => {
    const out = join(scratchDir(), "acpx-kill.md");
    const { exitCode } = await execa(process.execPath, [CLI, "repro", "--engine", "acpx", "--only", "exec-client-sigkill", "--out", out], { reject: false });
    expect(exitCode).toBe(1);
    const bundle = readFileSync(out, "utf8");
    for (const part of ["## Versions", "acpx 0.19.1", "## What was done", "SIGKILL → acpx exec", "### Mid-turn", "### After the deadline", "## Survivors", "reparented to init", "Not observable"]) {
      expect(bundle).toContain(part);
    }
  }, LONG);
});
