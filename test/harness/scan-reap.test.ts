import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { isSameProcessAlive, readStat } from "../../os/proc-stat.js";
import { JOB_TAG, RUN_TAG } from "../../protocol/tags.js";
import { PACKAGE_ROOT } from "../../harness/compiled-paths.js";

const cli = (...args: string[]) => execa(process.execPath, [join(PACKAGE_ROOT, "dist/cli/main.js"), ...args], { reject: false });
const started: ChildProcess[] = [];

async function sleeper(env: Record<string, string>): Promise<{ pid: number; starttime: number }> {
  const child = spawn("sleep", ["60"], { stdio: "ignore", env: { PATH: process.env.PATH ?? "", ...env } });
  started.push(child);
  await new Promise((resolve) => child.once("spawn", resolve));
  return { pid: child.pid!, starttime: readStat(child.pid!)!.starttime };
}

afterEach(() => {
  for (const child of started.splice(0)) child.kill("SIGKILL");
});

describe("reapcheck scan and reap", () => {
  it("list and end one run's tagged processes, and touch nothing without that tag", async () => {
    const run = `scan-test-${process.pid}`;
    const ours = await sleeper({ [RUN_TAG]: run, [JOB_TAG]: `${run}.job` });
    const otherRun = await sleeper({ [RUN_TAG]: `${run}-other` });
    const stranger = await sleeper({});

    const scan = await cli("scan", "--json");
    expect(scan.exitCode).toBe(0);
    const rows = JSON.parse(scan.stdout) as { pid: number; run: string; job: string | null }[];
    expect(rows.find((r) => r.pid === ours.pid)).toMatchObject({ run, job: `${run}.job` });
    expect(rows.find((r) => r.pid === otherRun.pid)).toMatchObject({ run: `${run}-other` });
    expect(rows.some((r) => r.pid === stranger.pid)).toBe(false);

    const reap = await cli("reap", "--run", run);
    expect(reap.exitCode).toBe(0);
    expect(reap.stdout).toContain(`pid ${ours.pid}`);
    expect(isSameProcessAlive(ours.pid, ours.starttime)).toBe(false);
    expect(isSameProcessAlive(otherRun.pid, otherRun.starttime)).toBe(true);
    expect(isSameProcessAlive(stranger.pid, stranger.starttime)).toBe(true);
  });

  it("refuses a reap without a run, and an unknown adapter, with exit 2", async () => {
    expect((await cli("reap")).exitCode).toBe(2);
    const gate = await cli("gate", "--adapter", "no-such-adapter");
    expect(gate.exitCode).toBe(2);
    expect(gate.stderr).toContain('unknown adapter "no-such-adapter"');
  });
});
