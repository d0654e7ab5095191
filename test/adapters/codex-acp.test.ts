// codex-acp: a native binary behind an npm launcher (npm exec → sh → node launcher → codex-acp),
// driven offline by a custom Codex provider pointed at the loopback Responses API stub.
import { describe, expect, it } from "vitest";
import { measureChain } from "../../harness/adapters/chain-rss.js";
import { profileNamed } from "../../harness/adapters/registry.js";
import { ProcScan } from "../../harness/probes/proc-scan.js";
import { newRunId } from "../../harness/runner.js";
import type { ScenarioResult } from "../../result/result.js";
import { failedInvariants, failureSummary, gate, scenarios, verdicts } from "../support/gate.js";

const codex = profileNamed("codex-acp");
const available = codex.available();
const NATIVE = /@zed-industries\/codex-acp-linux-\w+\/bin\/codex-acp$/;
// A finished turn, a failed one, a held one cancelled, runs scripted per turn, a real refusal,
// a crash and escapees made from outside. (The cheapest real chain: it carries the default run's
// share of the catalogue on real chains; `npm run gate:real` runs every lane in full.)
const KEY_PATHS = ["complete", "halt", "cancel", "exit-abandon-inflight", "sub-job-failed", "escalate-then-cancel", "handshake-fail", "adapter-crash", "adapter-escapes-group"];

function survivors(result: ScenarioResult | undefined): string[] {
  return (result?.checks ?? []).filter((c) => !c.ok).flatMap((c) => c.survivors.map((p) => p.args));
}

describe.skipIf(!available.ok)("the codex-acp lane", () => {
  it("starts npm exec → sh → node launcher → native binary in one process group, and reports its RSS", async () => {
    const chain = await measureChain(codex, new ProcScan(), newRunId());
    const shape = chain.processes.map((p) => p.args);
    expect(shape[0]).toMatch(/^npm exec/);
    expect(shape).toEqual(expect.arrayContaining([expect.stringMatching(/^sh -c .*codex-acp/), expect.stringMatching(/^node .*\.bin\/codex-acp/), expect.stringMatching(NATIVE)]));
    expect(chain.processes.every((p) => p.pgid === chain.pgid)).toBe(true);
    expect(chain.processes.find((p) => NATIVE.test(p.args))!.rssBytes).toBeGreaterThan(0);
  });

  it("passes the key transitions with real turns, a real refusal of session/new among them", async () => {
    const result = await gate(scenarios(...KEY_PATHS), { adapter: codex, deadlineMs: 5_000 });
    expect(verdicts(result), failureSummary(result)).toEqual(Object.fromEntries(KEY_PATHS.map((id) => [id, "pass"])));
    const refusal = result.results.find((r) => r.scenario === "handshake-fail")!.checks.find((c) => c.invariant === "outcome");
    expect(refusal?.detail).toMatch(/Authentication required/);
  });

  it("orphans the native binary when only the launcher's pid is signalled, and the gate names it", async () => {
    const [pidOnly, skipsRelease] = await Promise.all([
      gate(scenarios("complete"), { adapter: codex, faults: ["kill-pid-not-group"] }),
      gate(scenarios("exit-abandon"), { adapter: codex, faults: ["exit-abandon-skips-release"] }),
    ]);
    // npm exec died by the pid kill; the launcher blocks in its spawn, and the binary lives on.
    expect(failedInvariants(pidOnly, "complete")).toEqual(expect.arrayContaining(["no-surviving-group", "no-tagged-survivor"]));
    expect(survivors(pidOnly.results[0])).toEqual(expect.arrayContaining([expect.stringMatching(NATIVE), expect.stringMatching(/^node .*\.bin\/codex-acp/)]));
    expect(survivors(pidOnly.results[0])).not.toEqual(expect.arrayContaining([expect.stringMatching(/^npm exec/)]));
    expect(survivors(skipsRelease.results[0])).toEqual(expect.arrayContaining([expect.stringMatching(/^npm exec codex-acp/), expect.stringMatching(NATIVE)]));
  });
});

describe.skipIf(!available.ok)("the codex-acp lane, misbehaving from outside", () => {
  it("catches each outside misbehaviour's leak with its fault on the real chain: a crash, an escapee, an untagged member", async () => {
    const [crash, escape, untagged] = await Promise.all([
      gate(scenarios("adapter-crash"), { adapter: codex, faults: ["pidfile-left-behind"] }),
      gate(scenarios("adapter-escapes-group"), { adapter: codex, faults: ["kill-ignores-escapes"] }),
      gate(scenarios("adapter-untagged-member"), { adapter: codex, faults: ["no-sigkill-escalation"] }),
    ]);
    // The binary was SIGKILLed from outside mid-turn: the step failed, and the faulty crash path kept its pid file.
    expect(crash.results[0]!.checks.find((c) => c.invariant === "outcome")?.ok).toBe(true);
    expect(failedInvariants(crash, "adapter-crash")).toEqual(["no-stale-pidfile"]);
    // The setsid child started beside each job's chain carries the job's tag, and outlives a group kill.
    expect(failedInvariants(escape, "adapter-escapes-group")).toEqual(expect.arrayContaining(["no-tagged-survivor"]));
    expect(survivors(escape.results[0])).toEqual(expect.arrayContaining(["sleep 600"]));
    // The untagged member ignores SIGTERM and stays in the chain's group: only the group names it.
    expect(failedInvariants(untagged, "adapter-untagged-member")).toEqual(["no-surviving-group"]);
  });
});

describe.runIf(!available.ok)("without the codex-acp package", () => {
  it("says why the lane cannot run", () => {
    expect(available).toMatchObject({ ok: false, reason: expect.stringContaining("codex-acp") });
  });
});
