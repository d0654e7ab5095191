import { readFileSync, readdirSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isSameProcessAlive, readStat } from "../../os/proc-stat.js";
import { PACKAGE_ROOT } from "../../harness/compiled-paths.js";
import { ProcScan } from "../../harness/probes/proc-scan.js";
import { isAlive } from "../../result/process.js";
import { waitUntil } from "../../harness/wait-until.js";

const probe = new ProcScan();

/** State folders of these runs still on disk (the runner makes them under the temp folder). */
function stateDirsOf(runs: readonly string[]): string[] {
  return readdirSync(tmpdir()).filter((name) => runs.some((run) => name.startsWith(`reapcheck-${run}-`)));
}

/** The run tags of the engines a harness process started, and their live processes. */
async function runsOf(harnessPid: number): Promise<{ runs: string[]; live: number; chains: number }> {
  const all = await probe.scan();
  const runs = [...new Set(all.filter((p) => p.ppid === harnessPid && p.run !== null).map((p) => p.run!))];
  const ours = all.filter((p) => p.run !== null && runs.includes(p.run) && isAlive(p));
  return { runs, live: ours.length, chains: ours.filter((p) => p.job !== null).length };
}

describe("a harness stopped mid-run", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "reapcheck-watchdog-"));
    await writeFile(
      join(dir, "long-turn.yaml"),
      `id: long-turn
title: a turn that outlives the harness
jobs:
  - id: job
    flow:
      steps:
        - name: work
          agent: { prompt: "never ends", latency_ms: 600000 }
expect:
  job: { status: completed, reason: completed }
`,
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("by %s shuts down in order, reaps what the engine left, and reports it as a leak", async (signal, code) => {
    const harness = execa(process.execPath, [join(PACKAGE_ROOT, "dist/cli/main.js"), "gate", "--scenarios", dir, "--fault", "shutdown-skips-release"], {
      reject: false,
    });
    const started = await waitUntil(() => runsOf(harness.pid!), (r) => r.chains >= 3, { deadlineMs: 30_000 });
    expect(started.ok).toBe(true);
    harness.kill(signal);
    const { exitCode, stderr } = await harness;
    expect(exitCode).toBe(code);
    expect(stderr).toMatch(/left processes; reaped:\n\s+pgid \d+: 3 process\(es\)/);
    expect(stderr).toContain(`stopped: by ${signal}`);
    const left = (await probe.scan()).filter((p) => p.run !== null && started.value.runs.includes(p.run) && isAlive(p));
    expect(left.map((p) => p.args)).toEqual([]);
    expect(stateDirsOf(started.value.runs)).toEqual([]);
  });

  it("by SIGKILL leaves nothing: its watchdog reaps the run's tag even when the engine's own shutdown leaks", async () => {
    // shutdown-skips-release: the engine, seeing its driver gone, shuts down but leaves its chain.
    const harness = execa(process.execPath, [join(PACKAGE_ROOT, "dist/cli/main.js"), "gate", "--scenarios", dir, "--fault", "shutdown-skips-release"], {
      reject: false,
    });
    const started = await waitUntil(() => runsOf(harness.pid!), (r) => r.chains >= 3, { deadlineMs: 30_000 });
    expect(started.ok).toBe(true);
    const watchdog = readdirSync("/proc")
      .filter((e) => /^\d+$/.test(e))
      .map(Number)
      .find((pid) => readStat(pid)?.ppid === harness.pid && readFileSync(`/proc/${pid}/cmdline`, "latin1").includes("watchdog.js"));
    expect(watchdog).toBeDefined();
    const watchdogStart = readStat(watchdog!)!.starttime;
    harness.kill("SIGKILL");
    await harness;

    const { runs } = started.value;
    const left = await waitUntil(
      async () => (await probe.scan()).filter((p) => p.run !== null && runs.includes(p.run) && isAlive(p)).map((p) => p.args),
      (args) => args.length === 0,
      { deadlineMs: 10_000 },
    );
    expect(left.value).toEqual([]);
    // Its work done, the watchdog itself is gone too, and so are the runs' state folders.
    const gone = await waitUntil(async () => isSameProcessAlive(watchdog!, watchdogStart), (alive) => !alive, { deadlineMs: 10_000 });
    expect(gone.ok).toBe(true);
    expect(stateDirsOf(runs)).toEqual([]);
  });

  it("whose stdout reader went away (gate | head -1) ends its runs, leaves no folder and exits 141, not 1", async () => {
    const tmp = await mkdtemp(join(tmpdir(), "reapcheck-epipe-"));
    try {
      const harness = execa(process.execPath, [join(PACKAGE_ROOT, "dist/cli/main.js"), "gate", "--only", "complete", "--only", "shared-adapter", "--only", "halt", "--concurrency", "1"], {
        reject: false,
        env: { TMPDIR: tmp },
        stderr: "pipe",
      });
      // The reader takes the first line and goes, as head -1 does.
      await new Promise<void>((resolve) => harness.stdout!.once("data", () => resolve()));
      harness.stdout!.destroy();
      const { exitCode, stderr } = await harness;
      expect(stderr).not.toMatch(/Unhandled|EPIPE/);
      expect(stderr).toContain("stopped: the reader of stdout went away");
      expect(exitCode).toBe(141);
      expect(readdirSync(tmp)).toEqual([]);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});
