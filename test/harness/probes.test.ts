import { spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { JOB_TAG, RUN_TAG } from "../../protocol/tags.js";
import { attributeByAncestry } from "../../harness/probes/attribution.js";
import { ProcScan } from "../../harness/probes/proc-scan.js";
import { PsScan } from "../../harness/probes/ps-scan.js";
import { isZombie } from "../../result/process.js";
import type { JobSnapshot } from "../../protocol/messages.js";
import { type Observation, checkJob } from "../../harness/invariants.js";
import { waitUntil } from "../../harness/wait-until.js";
import { type TestEngine, agentStep, startEngine } from "../support/engine.js";

let current: TestEngine | null = null;
afterEach(async () => {
  const left = await current?.close();
  current = null;
  expect(left ?? 0).toBe(0);
});

describe("the two probes", () => {
  it("agree on a live adapter chain: pids, parents, memory, and whose job each process is", async () => {
    current = await startEngine();
    const { engine, run } = current;
    const jobId = `${run}.job`;
    await engine.request({ cmd: "submit", jobId, flow: { steps: [agentStep("work", "hold on", { latency_ms: 600_000, ballast_mb: 16 })] } });
    await engine.waitFor((e) => e.event === "agent.prompt_sent", 15_000);
    const leases = engine.events.flatMap((e) => (e.event === "adapter.leased" ? [{ jobId: e.jobId, pgid: e.pgid }] : []));

    const exact = (await new ProcScan().scan()).filter((p) => p.job === jobId);
    const portable = attributeByAncestry(await new PsScan().scan(), { run, enginePids: [engine.pid], leases }).filter((p) => p.job === jobId);

    expect(exact).toHaveLength(3);
    const key = (p: { pid: number; ppid: number; pgid: number; run: string | null }) => `${p.pid}<${p.ppid} g${p.pgid} ${p.run}`;
    expect(portable.map(key).sort()).toEqual(exact.map(key).sort());
    for (const p of exact) {
      const other = portable.find((q) => q.pid === p.pid)!;
      expect(Math.abs(other.starttime - p.starttime)).toBeLessThanOrEqual(new PsScan().starttimeSlackTicks);
      // Both read resident memory; the two reads are moments apart, so allow a little drift.
      expect(Math.abs(other.rssBytes - p.rssBytes) / p.rssBytes).toBeLessThan(0.1);
    }
  });
});

describe("zombies", () => {
  it("are reported as zombies, found by their group since their environment is gone, and not as alive", async () => {
    // sh forks `sleep 0` and then execs a long sleep that never reaps it: a zombie in sh's group.
    const parent = spawn("sh", ["-c", "sleep 0 & exec sleep 30"], {
      detached: true,
      stdio: "ignore",
      env: { ...process.env, [RUN_TAG]: "zombie-test", [JOB_TAG]: "zombie-test.job" },
    });
    try {
      const pgid = parent.pid!;
      const seen = await waitUntil(
        async () => (await new ProcScan().scan()).filter((p) => p.pgid === pgid),
        (members) => members.some(isZombie),
        { deadlineMs: 5_000 },
      );
      const zombie = seen.value.find(isZombie)!;
      // Its environment is gone with it: no tag says whose it is (its ancestry may).
      expect(zombie.state).toBe("Z");
      expect(zombie.attributedBy).not.toBe("tag");

      const ended: JobSnapshot = { id: "zombie-test.job", state: { kind: "terminal", status: "completed", outcome: { kind: "completed" } }, runs: [] };
      const obs: Observation = {
        run: "zombie-test",
        state: { releasesInFlight: 0, jobs: [ended], ledgers: [], pool: [], workspaces: [] },
        processes: seen.value,
        leases: [{ jobId: ended.id, pgid }],
        groups: [],
        pidFiles: [],
        workspaces: [],
        starttimeSlackTicks: 0,
      };
      const group = checkJob(ended.id, null, obs).find((c) => c.invariant === "no-surviving-group")!;
      expect(group.survivors.map((p) => p.pid)).toEqual([pgid]);
      expect(group.zombies.map((p) => p.pid)).toEqual([zombie.pid]);
      expect(group.detail).toContain("1 zombie(s)");
    } finally {
      parent.kill("SIGKILL");
    }
  });
});

describe("the /proc probe's kept identities", () => {
  it("reads a tagged process afresh when it becomes a zombie, and keeps it untagged while it stays one", async () => {
    const run = `zombie-kept-${process.pid}`;
    const env = { ...process.env };
    delete env[RUN_TAG];
    // sh forks a tagged sleep, then execs an untagged long sleep that never reaps it.
    const parent = spawn("sh", ["-c", `env ${RUN_TAG}=${run} sleep 0.5 & exec sleep 30`], { detached: true, stdio: "ignore", env });
    const probe = new ProcScan();
    const child = async () => (await probe.scan()).find((p) => p.ppid === parent.pid && p.args !== "[sh]");
    try {
      const alive = await waitUntil(child, (p) => p?.run === run, { deadlineMs: 5_000 });
      expect(alive.value).toMatchObject({ run, args: "sleep 0.5" });
      const dead = await waitUntil(child, (p) => p?.state === "Z", { deadlineMs: 5_000 });
      expect(dead.value).toMatchObject({ pid: alive.value!.pid, starttime: alive.value!.starttime, run: null, attributedBy: null });
      // Scanned again as the same zombie: still no tag, not the living process's.
      expect(await child()).toMatchObject({ pid: alive.value!.pid, state: "Z", run: null });
    } finally {
      process.kill(-parent.pid!, "SIGKILL");
    }
  });

  it("reads a process's tags again when it execs another program, however old it is", async () => {
    const run = `exec-${process.pid}`;
    const env = { ...process.env };
    delete env[RUN_TAG];
    // Untagged for its first 2.5 s (long enough to be kept as settled), then tagged by an exec.
    const child = spawn("sh", ["-c", `sleep 2.5; exec env ${RUN_TAG}=${run} ${JOB_TAG}=${run}.job sleep 30`], { stdio: "ignore", env });
    const probe = new ProcScan();
    const seen = async () => (await probe.scan()).find((p) => p.pid === child.pid);
    try {
      const before = await waitUntil(seen, (p) => p !== undefined && p.args === "[sh]", { deadlineMs: 1_000 });
      expect(before.value).toMatchObject({ run: null, job: null });
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      // Scanned once more while still sh, and older than a second.
      expect(await seen()).toMatchObject({ run: null, args: "[sh]" });
      const after = await waitUntil(seen, (p) => p?.run === run, { deadlineMs: 2_000 });
      expect(after.value).toMatchObject({ run, job: `${run}.job`, args: "sleep 30" });
    } finally {
      child.kill("SIGKILL");
    }
  });
});
