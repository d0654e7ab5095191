import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { AcpProcessPool } from "../../engine/process-pool.js";
import { FaultSet } from "../../engine/fault-set.js";
import type { AdapterLaunch } from "../../protocol/adapter-launch.js";
import type { Fault } from "../../protocol/faults.js";
import type { AdapterEvent } from "../../protocol/messages.js";
import { fakeProfile } from "../../harness/adapters/registry.js";
import { isSameProcessAlive, liveGroupMembers } from "../../os/proc-stat.js";
import { waitUntil } from "../../harness/wait-until.js";
import { type TestEngine, agentStep, startEngine } from "../support/engine.js";

const FAKE_SPEC = { profile: "default", model: "default", tools: [], allowedPaths: [], behaviour: { ballastMb: 0, latencyMs: 0, ignoreSigterm: false, handshake: "ok" as const, escape: "none" as const } };

/** A pool of its own in a fresh folder, for a test that drives one directly; what it still holds is killed after. */
async function withPool(
  launch: AdapterLaunch,
  faults: Fault[],
  body: (pool: AcpProcessPool, events: AdapterEvent[], dir: string) => Promise<void>,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "reapcheck-pool-"));
  const events: AdapterEvent[] = [];
  const pool = new AcpProcessPool({
    owner: "pool-test",
    pidDir: join(dir, "pids"),
    profiles: { default: launch },
    faults: new FaultSet(faults),
    killGraceMs: 500,
    handshakeTimeoutMs: 10_000,
    onEvent: (e) => events.push(e),
  });
  try {
    await body(pool, events, dir);
  } finally {
    for (const e of pool.snapshot()) if (e.pgid > 1) process.kill(-e.pgid, "SIGKILL");
    await rm(dir, { recursive: true, force: true });
  }
}

let current: TestEngine | null = null;
afterEach(async () => {
  const left = await current?.close();
  current = null;
  expect(left ?? 0).toBe(0);
});

/** Two jobs with the same agent config; the second keeps its ref through a sleep step. */
async function shareOneAdapter(t: TestEngine) {
  const { engine, run } = t;
  await engine.request({ cmd: "submit", jobId: `${run}.a`, flow: { steps: [agentStep("ask", "a")] } });
  await engine.request({
    cmd: "submit",
    jobId: `${run}.b`,
    flow: { steps: [agentStep("ask", "b"), { name: "hold", sleep_ms: 1_500, after: ["ask"] }] },
  });
  const leases = await Promise.all(
    ["a", "b"].map((j) => engine.waitFor((e) => e.event === "adapter.leased" && e.jobId === `${run}.${j}`, 10_000)),
  );
  await engine.waitFor((e) => e.event === "job.terminal" && e.jobId === `${run}.a`, 10_000);
  const spawned = engine.events.find((e) => e.event === "adapter.spawned");
  if (spawned?.event !== "adapter.spawned") throw new Error("no adapter spawned");
  return { leases, spawned };
}

describe("the ACP process pool", () => {
  it("shares one adapter between two jobs and keeps it until the second job ends", async () => {
    current = await startEngine();
    const { engine, run } = current;
    const { leases, spawned } = await shareOneAdapter(current);

    expect(leases.map((l) => (l?.event === "adapter.leased" ? l.shared : null)).sort()).toEqual([false, true]);
    expect(leases.map((l) => (l?.event === "adapter.leased" ? l.pgid : null))).toEqual([spawned.pgid, spawned.pgid]);
    expect(engine.events.filter((e) => e.event === "adapter.spawned")).toHaveLength(1);
    // The first job has ended and been released; the second still holds the adapter.
    await engine.waitFor((e) => e.event === "resource.released" && e.jobId === `${run}.a` && e.manager === "acp-pool", 5_000);
    expect(isSameProcessAlive(spawned.pid, spawned.starttime)).toBe(true);
    const state = await engine.request({ cmd: "state" });
    expect(state.ok && state.state?.pool.map((e) => e.refs)).toEqual([[`${run}.b`]]);

    await engine.waitFor((e) => e.event === "job.terminal" && e.jobId === `${run}.b`, 10_000);
    const gone = await waitUntil(async () => liveGroupMembers(spawned.pgid).length, (n) => n === 0, { deadlineMs: 5_000 });
    expect(gone.ok).toBe(true);
  });

  it("under refcount-ignored, kills the shared adapter while the second job still holds it", async () => {
    current = await startEngine(["refcount-ignored"]);
    const { spawned } = await shareOneAdapter(current);
    const { engine, run } = current;
    const released = await engine.waitFor((e) => e.event === "resource.released" && e.jobId === `${run}.a` && e.manager === "acp-pool", 5_000);
    expect(released).not.toBeNull();
    // The pool says so itself: it began the kill while job b still held the chain.
    expect(engine.events.find((e) => e.event === "adapter.killing")).toMatchObject({ pid: spawned.pid, holders: [`${run}.b`] });
    expect(isSameProcessAlive(spawned.pid, spawned.starttime)).toBe(false);
  });

  it("reaps a chain that ignores SIGTERM by escalating to SIGKILL after the grace period", async () => {
    current = await startEngine([], 300);
    const { engine, run } = current;
    await engine.request({ cmd: "submit", jobId: `${run}.j`, flow: { steps: [agentStep("s", "x", { ignore_sigterm: true })] } });
    await engine.waitFor((e) => e.event === "resource.released" && e.manager === "acp-pool", 10_000);
    const exited = await engine.waitFor((e) => e.event === "adapter.exited", 10_000);
    expect(exited).toMatchObject({ signal: "SIGKILL", killedByPool: true });
    const spawned = engine.events.find((e) => e.event === "adapter.spawned");
    expect(spawned?.event === "adapter.spawned" && liveGroupMembers(spawned.pgid)).toEqual([]);
  });

  it("under no-sigkill-escalation, leaves a SIGTERM-ignoring chain alive and says so", async () => {
    current = await startEngine(["no-sigkill-escalation"], 300);
    const { engine, run } = current;
    await engine.request({ cmd: "submit", jobId: `${run}.j`, flow: { steps: [agentStep("s", "x", { ignore_sigterm: true })] } });
    const failed = await engine.waitFor((e) => e.event === "adapter.kill_failed", 10_000);
    const spawned = engine.events.find((e) => e.event === "adapter.spawned");
    expect(failed?.event === "adapter.kill_failed" && spawned?.event === "adapter.spawned" && failed.survivors).toContain(
      spawned?.event === "adapter.spawned" ? spawned.pid : -1,
    );
    // The survivors are the leak this fault brings back: the harness's backstop has to reap them.
    const t = current;
    current = null;
    expect(await t.close()).toBeGreaterThan(0);
  });

  it("ends a chain whose root exits a moment after its adapter hung up as one that died on its own", async () => {
    // npm exec outlives its crashed child for a moment. This root lets go of the adapter's pipes,
    // so the engine reads the hang-up first, and exits 100 ms after the adapter.
    const fake = fakeProfile.launch();
    const agent = fake.args.slice(3);
    const lingering = { ...fake, args: ["-c", 'unset NODE_OPTIONS; exec 3<&0; "$@" <&3 3<&- & exec 3<&- </dev/null >/dev/null; wait $!; sleep 0.1', "lingering-root", ...agent] };
    await withPool(lingering, ["pidfile-left-behind"], async (pool, events, dir) => {
      const lease = await pool.acquire("pool-test.job", FAKE_SPEC, dir);
      const pidFile = pool.snapshot()[0]?.pidFile ?? "";
      await expect(lease.prompt("this turn ends in a [crash]", new AbortController().signal)).rejects.toThrow();
      // The release ends once the chain's group is reaped, whoever ended it.
      await pool.releaseForJob("pool-test.job");
      expect(events.filter((e) => e.event === "adapter.killing" || e.event === "adapter.exited")).toEqual([
        expect.objectContaining({ event: "adapter.exited", pid: lease.pid, killedByPool: false }),
      ]);
      // The fault lives in the path for a chain that died on its own, so that path must be taken.
      expect(existsSync(pidFile)).toBe(true);
      expect(liveGroupMembers(lease.pid)).toEqual([]);
    });
  });

  it("holds a job's release until the chain that died on its own under it is reaped", async () => {
    // Its CLI ignores SIGTERM, so reaping what the adapter leaves takes the grace period.
    const spec = { ...FAKE_SPEC, behaviour: { ...FAKE_SPEC.behaviour, ignoreSigterm: true } };
    await withPool(fakeProfile.launch(), [], async (pool, events, dir) => {
      const lease = await pool.acquire("pool-test.job", spec, dir);
      const adapter = liveGroupMembers(lease.pid).find((p) => p.ppid === lease.pid);
      expect(adapter).toBeDefined();
      process.kill(adapter!.pid, "SIGKILL");
      // The root's exit is seen before the job lets go: the chain is already out of the pool.
      const exited = await waitUntil(async () => events.find((e) => e.event === "adapter.exited"), (e) => e !== undefined, { deadlineMs: 5_000 });
      expect(exited.value).toMatchObject({ pid: lease.pid, killedByPool: false });
      await pool.releaseForJob("pool-test.job");
      expect(liveGroupMembers(lease.pid)).toEqual([]);
    });
  });

  it("kills a chain released before node has said it spawned, and the release ends", async () => {
    // A cancel that lands in the same turn as the step's start: the chain's identity must be known
    // already, or the kill finds a group it cannot prove is ours and waits on it for ever.
    await withPool(fakeProfile.launch(), [], async (pool, events, dir) => {
      const acquiring = pool.acquire("pool-test.job", FAKE_SPEC, dir);
      acquiring.catch(() => undefined);
      const pgid = pool.snapshot()[0]?.pgid ?? 0;
      expect(pgid).toBeGreaterThan(1);
      const released = await Promise.race([pool.releaseForJob("pool-test.job").then(() => "released"), sleep(8_000).then(() => "still waiting")]);
      expect(released).toBe("released");
      expect(liveGroupMembers(pgid)).toEqual([]);
      await expect(acquiring).rejects.toThrow();
      expect(events.map((e) => e.event)).toContain("adapter.killing");
    });
  });
});
