// An engine whose driver dies (stdin closed, stdout unread) must finish its own shutdown and
// release everything, instead of dying of the first event it cannot write (EPIPE).
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { fakeProfile } from "../../harness/adapters/registry.js";
import { referenceEngine } from "../../harness/engine-command.js";
import { ProcScan } from "../../harness/probes/proc-scan.js";
import { isAlive } from "../../result/process.js";
import { reapRun } from "../../harness/reaper.js";
import { newRunId } from "../../harness/runner.js";
import { waitUntil } from "../../harness/wait-until.js";

/** The reference engine as a bare child process, driven by hand: how a driver's pipes behave is the test. */
function startEngine(run: string) {
  const [file, ...args] = referenceEngine().argv;
  const engine = spawn(file!, args, { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, REAPCHECK_RUN: run } });
  const exited = new Promise<number | null>((resolve) => engine.once("exit", (code) => resolve(code)));
  const send = (o: object): boolean => engine.stdin.write(`${JSON.stringify(o)}\n`);
  return { engine, exited, send };
}

describe("the reference engine when its driver goes away", () => {
  it("shuts down, releases its chains and exits 0 with nothing left, though every write fails", async () => {
    const run = newRunId();
    const stateDir = await mkdtemp(join(tmpdir(), `reapcheck-test-${run}-`));
    const { engine, exited, send } = startEngine(run);
    let stderr = "";
    engine.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const lines = createInterface({ input: engine.stdout });
    const seen = (text: string): Promise<void> => new Promise((resolve) => lines.on("line", (l) => l.includes(text) && resolve()));
    try {
      const greeted = seen('"protocol":1');
      send({ id: 1, cmd: "hello", protocol: 1, stateDir, profiles: { default: fakeProfile.launch() }, faults: [], killGraceMs: 500, handshakeTimeoutMs: 5_000 });
      await greeted;
      const prompted = seen('"agent.prompt_sent"');
      send({ id: 2, cmd: "submit", jobId: `${run}.job`, flow: { steps: [{ name: "work", agent: { prompt: "a long turn", latency_ms: 60_000 } }] } });
      await prompted;
      // The driver dies: nobody reads stdout any more, and stdin closes.
      lines.close();
      engine.stdout.destroy();
      engine.stdin.end();
      expect(await exited).toBe(0);
      expect(stderr).not.toMatch(/EPIPE/);
      const probe = new ProcScan();
      const alive = await waitUntil(async () => (await probe.scan()).filter((p) => p.run === run && isAlive(p)), (left) => left.length === 0, { deadlineMs: 1_000 });
      expect(alive.value.map((p) => p.args)).toEqual([]);
    } finally {
      engine.kill("SIGKILL");
      await reapRun(run, new ProcScan());
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});

describe("the reference engine with a driver slow to read", () => {
  it("still writes its answer to shutdown before it exits, though its stdout is backed up", async () => {
    const run = newRunId();
    const stateDir = await mkdtemp(join(tmpdir(), `reapcheck-test-${run}-`));
    const { engine, exited, send } = startEngine(run);
    engine.stderr.resume();
    try {
      // Nothing reads the engine's stdout until it is asked to shut down: its events back up.
      engine.stdout.pause();
      send({ id: 1, cmd: "hello", protocol: 1, stateDir, profiles: { default: fakeProfile.launch() }, faults: [], killGraceMs: 500, handshakeTimeoutMs: 5_000 });
      for (let i = 0; i < 400; i++) send({ id: 2 + i, cmd: "submit", jobId: `${run}.j${i}`, flow: { steps: [{ name: "nap", sleep_ms: 0 }] } });
      // Time for the engine to run them and back up its output; nothing here is observable but that.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      send({ id: 1_000, cmd: "shutdown" });
      let text = "";
      for await (const chunk of engine.stdout) text += (chunk as Buffer).toString();
      expect(await exited).toBe(0);
      const lines = text.split("\n").filter((l) => l !== "");
      expect(lines.length).toBeGreaterThan(1_000);
      expect(lines.map((l) => JSON.parse(l) as { id?: number; ok?: boolean }).find((l) => l.id === 1_000)).toMatchObject({ ok: true });
    } finally {
      engine.kill("SIGKILL");
      await reapRun(run, new ProcScan());
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
