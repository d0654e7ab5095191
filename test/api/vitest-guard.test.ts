// reapcheck/vitest: the guards a user puts in their own suite, tested on real processes, and the
// example suite run as a user would run it, with its one leak expected to be caught.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { expectNoLeaks, globalLeakCheck, leakCheck } from "../../api/vitest.js";
import { killProcesses } from "../../os/process-group.js";
import { type ProcStat, isSameProcessAlive, liveWithEnv, readStat } from "../../os/proc-stat.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

// This file leaves nothing behind either: each test that leaks on purpose has its guard kill it.
// leakCheck() tags the worker's environment, which the next file in this worker would inherit.
const guardBefore = process.env["REAPCHECK_GUARD"];
afterAll(() => {
  if (guardBefore === undefined) delete process.env["REAPCHECK_GUARD"];
  else process.env["REAPCHECK_GUARD"] = guardBefore;
});
afterEach(leakCheck());

function sleeper(seconds: number, env: NodeJS.ProcessEnv = process.env): ChildProcess & { pid: number } {
  const child = spawn("sleep", [String(seconds)], { stdio: "ignore", env });
  if (child.pid === undefined) throw new Error("sleep did not start");
  return child as ChildProcess & { pid: number };
}

async function rejection(check: () => Promise<void>): Promise<string> {
  return check().then(
    () => "(resolved)",
    (error: Error) => error.message,
  );
}

async function until<T>(get: () => T | null | undefined, what: string, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = get();
    if (value !== null && value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe("leakCheck", () => {
  const guard = leakCheck({ deadlineMs: 300 });
  const patient = leakCheck({ deadlineMs: 5_000 });
  const exempt = leakCheck({ deadlineMs: 100, ignore: (p) => p.args === "sleep 31" });
  const reportOnly = leakCheck({ deadlineMs: 100, kill: false });

  it("names a leaked child by pid, pgid, RSS and command line, then kills exactly it", async () => {
    const child = sleeper(30);
    const { starttime } = await until(() => readStat(child.pid), "the child's stat");
    const message = await rejection(guard);
    expect(message).toMatch(new RegExp(`after 300 ms the test left 1 process\\(es\\) alive; killed:\\n  pid ${child.pid} pgid \\d+ rss [\\d.]+ MB \\(descendant\\): sleep 30$`));
    expect(isSameProcessAlive(child.pid, starttime)).toBe(false);
  });

  it("finds by its tag a child that left with setsid and was reparented away from the worker", async () => {
    const sh = spawn("sh", ["-c", "setsid sleep 30 >/dev/null 2>&1 & echo $!"], { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    sh.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
    await once(sh, "close");
    const pid = Number(out.trim());
    // Its own session, and its parent (sh) gone: no ppid chain leads back to this worker.
    const stat = await until<ProcStat>(() => {
      const s = readStat(pid);
      return s !== null && s.sid === pid && s.comm === "sleep" ? s : null;
    }, "the setsid'd sleep");
    expect(stat.ppid).not.toBe(sh.pid);
    expect(stat.ppid).not.toBe(process.pid);
    expect(await rejection(guard)).toMatch(new RegExp(`pid ${pid} pgid ${pid} rss [\\d.]+ MB \\(tagged\\): sleep 30$`));
    expect(isSameProcessAlive(pid, stat.starttime)).toBe(false);
  });

  it("retries until the deadline: a child that exits on its own first is no leak", async () => {
    const child = sleeper(0.3);
    const started = Date.now();
    await patient();
    // It was seen alive and waited for, not missed.
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    if (child.exitCode === null) await once(child, "exit");
    expect(child.exitCode).toBe(0);
  });

  it("spares what `ignore` names, and with kill: false reports without killing", async () => {
    const child = sleeper(31);
    const { starttime } = await until(() => readStat(child.pid), "the child's stat");
    await until(() => (readStat(child.pid)?.comm === "sleep" ? true : null), "sleep to exec");
    await exempt();
    expect(await rejection(reportOnly)).toContain(`left running (kill: false):\n  pid ${child.pid} `);
    expect(isSameProcessAlive(child.pid, starttime)).toBe(true);
    await killProcesses([{ pid: child.pid, starttime }]);
  });

  describe("what was alive before the test", () => {
    let server: ChildProcess & { pid: number };
    beforeAll(() => {
      server = sleeper(32);
    });
    afterAll(async () => {
      server.kill("SIGKILL");
      if (server.exitCode === null && server.signalCode === null) await once(server, "exit");
    });
    const inner = leakCheck({ deadlineMs: 100 });

    it("is not blamed on it (a beforeAll's server, the worker's own processes)", async () => {
      await inner();
      expect(server.exitCode).toBeNull();
    });
  });
});

describe("globalLeakCheck", () => {
  it("kills and names what carries the suite tag and a required tag, and nothing else", async () => {
    const saved = process.env["REAPCHECK_SUITE"];
    let teardown: () => void;
    let tagged: ChildProcess & { pid: number };
    let untagged: ChildProcess & { pid: number };
    try {
      teardown = globalLeakCheck({ requireTag: ["REAPCHECK_RUN"] })();
      tagged = sleeper(33, { ...process.env, REAPCHECK_RUN: "test-run" });
      untagged = sleeper(34);
    } finally {
      // The real suite tag goes back before anything else in this worker spawns.
      if (saved === undefined) delete process.env["REAPCHECK_SUITE"];
      else process.env["REAPCHECK_SUITE"] = saved;
    }
    await until(() => (readStat(tagged.pid)?.comm === "sleep" && readStat(untagged.pid)?.comm === "sleep") || null, "both sleeps");
    const codeBefore = process.exitCode;
    try {
      expect(teardown).toThrow(new RegExp(`left 1 tagged process\\(es\\) alive; killed:\\n  pid ${tagged.pid} .*: sleep 33$`));
      // vitest would exit 0 on a throwing global teardown alone.
      expect(process.exitCode).toBe(1);
    } finally {
      // The worker runs other files after this one: a failure here must not become theirs.
      process.exitCode = codeBefore;
    }
    if (tagged.exitCode === null && tagged.signalCode === null) await once(tagged, "exit");
    expect(tagged.signalCode).toBe("SIGKILL");
    expect(untagged.exitCode).toBeNull();
    untagged.kill("SIGKILL");
    await once(untagged, "exit");
  });
});

describe("expectNoLeaks", () => {
  const scenario = { scenario: "cancel-mid-run", adapter: "fake", verdict: "pass", error: null, checks: [{ invariant: "no-orphans", job: "a", ok: true, detail: "0 alive" }], reaped: [] };

  it("passes a gate whose every scenario passed", () => {
    expect(() => expectNoLeaks({ verdict: "pass", results: [scenario, { ...scenario, scenario: "timeout" }] })).not.toThrow();
  });

  it("names each failing scenario, failed check and reaped process", () => {
    const failing = {
      ...scenario,
      scenario: "crash-mid-run",
      verdict: "fail",
      checks: [...scenario.checks, { invariant: "group-empty", job: "b", ok: false, detail: "2 process(es) alive after the deadline" }],
      reaped: [{ pid: 4242, args: "sleep 600" }],
    };
    const errored = { ...scenario, scenario: "pause-resume", verdict: "error", error: "engine did not start", checks: [] };
    expect(() => expectNoLeaks({ verdict: "fail", results: [scenario, failing, errored] })).toThrow(
      [
        "reapcheck gate: verdict fail, 2 of 3 scenario(s) did not pass",
        "  crash-mid-run [fake]: fail",
        "    group-empty (job b): 2 process(es) alive after the deadline",
        "    reaped pid 4242: sleep 600",
        "  pause-resume [fake]: error",
        "    error: engine did not start",
      ].join("\n"),
    );
  });
});

describe("the example suite, examples/vitest-guard, run as a user runs it", () => {
  it("fails exactly the leaking test, naming the leaked worker, and leaves nothing of the run alive", async () => {
    const dir = mkdtempSync(join(tmpdir(), "reapcheck-vitest-guard-"));
    // Everything the nested run starts inherits this, so what survives it can be found afterwards.
    const marker = randomBytes(4).toString("hex");
    try {
      const outputFile = join(dir, "report.json");
      const vitest = spawn(
        process.execPath,
        [join(ROOT, "node_modules/vitest/vitest.mjs"), "run", "--config", join(ROOT, "examples/vitest-guard/vitest.config.ts"), "--reporter=json", `--outputFile=${outputFile}`],
        { cwd: ROOT, env: { ...process.env, EXAMPLE_RUN_MARKER: marker }, stdio: ["ignore", "ignore", "pipe"] },
      );
      let stderr = "";
      vitest.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const [code] = (await once(vitest, "close")) as [number | null];
      expect(code, stderr).toBe(1);

      type Assertion = { title: string; status: string; failureMessages: string[] };
      const report = JSON.parse(readFileSync(outputFile, "utf8")) as { testResults: { assertionResults: Assertion[] }[] };
      const tests = report.testResults.flatMap((f) => f.assertionResults);
      expect(tests.map((t) => [t.title, t.status])).toEqual([
        ["a job that succeeds stops its worker", "passed"],
        ["a job that fails leaks its worker", "failed"],
      ]);
      const message = tests[1]!.failureMessages.join("\n");
      const leak = /leakCheck: after 500 ms the test left 1 process\(es\) alive; killed:\n {2}pid (\d+) pgid \d+ rss [\d.]+ MB \(descendant\): (.*)/.exec(message);
      expect(leak, message).not.toBeNull();
      expect(leak![2]).toBe(`${process.execPath} -e setInterval(() => {}, 1000) worker-pool-job=leaky`);

      // The guard killed the worker: neither it nor anything else of the nested run is alive.
      expect(liveWithEnv("EXAMPLE_RUN_MARKER", (v) => v === marker).map((p) => `${p.pid} ${p.comm}`)).toEqual([]);
      expect(readStat(Number(leak![1]))?.comm ?? "gone").not.toBe("node");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
