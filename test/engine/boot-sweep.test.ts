import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bootSweep } from "../../engine/boot-sweep.js";
import { FaultSet } from "../../engine/fault-set.js";
import { isSameProcessAlive, readStat } from "../../os/proc-stat.js";
import { ACP_TAG } from "../../engine/tagging.js";
import { RUN_TAG } from "../../protocol/tags.js";

let dir: string;
let pidDir: string;
const started: ChildProcess[] = [];

/** A long sleeper in its own group; `env` decides whether it carries the engine's tag. */
async function sleeper(env: Record<string, string>): Promise<{ pid: number; starttime: number }> {
  const child = spawn("sleep", ["60"], { detached: true, stdio: "ignore", env: { PATH: process.env.PATH ?? "", [RUN_TAG]: "sweep-test", ...env } });
  started.push(child);
  await new Promise((resolve) => child.once("spawn", resolve));
  return { pid: child.pid!, starttime: readStat(child.pid!)!.starttime };
}

async function pidFile(pid: number, starttime: number): Promise<string> {
  const file = join(pidDir, `acp-${pid}.json`);
  await writeFile(file, JSON.stringify({ pid, pgid: pid, starttime }));
  return file;
}

const sweep = (faults: string[] = []) =>
  bootSweep({ owner: dir, pidDir, faults: new FaultSet(faults as never[]), killGraceMs: 200 });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "reapcheck-sweep-"));
  pidDir = join(dir, "pids");
  await mkdir(pidDir);
});
afterEach(async () => {
  for (const child of started.splice(0)) child.kill("SIGKILL");
  await rm(dir, { recursive: true, force: true });
});

describe("the boot orphan sweep", () => {
  it("kills an orphaned chain that is still the recorded process and carries this engine's tag", async () => {
    const orphan = await sleeper({ [ACP_TAG]: `${dir}/1` });
    const file = await pidFile(orphan.pid, orphan.starttime);
    const report = await sweep();
    expect(report.killedGroups).toEqual([orphan.pid]);
    expect(isSameProcessAlive(orphan.pid, orphan.starttime)).toBe(false);
    expect(existsSync(file)).toBe(false);
  });

  it("leaves alone a recycled pid: the pid file's starttime is another process's", async () => {
    const stranger = await sleeper({});
    const file = await pidFile(stranger.pid, stranger.starttime - 1);
    const report = await sweep();
    expect(report).toMatchObject({ killedGroups: [], notOurs: [stranger.pid] });
    expect(isSameProcessAlive(stranger.pid, stranger.starttime)).toBe(true);
    expect(existsSync(file)).toBe(false);
  });

  it("leaves alone a process that matches the pid file but does not carry this engine's tag", async () => {
    const stranger = await sleeper({ [ACP_TAG]: "/some/other/engine/1" });
    await pidFile(stranger.pid, stranger.starttime);
    expect((await sweep()).notOurs).toEqual([stranger.pid]);
    expect(isSameProcessAlive(stranger.pid, stranger.starttime)).toBe(true);
  });

  it("finds a tagged orphan that has no pid file at all", async () => {
    const orphan = await sleeper({ [ACP_TAG]: `${dir}/7` });
    await sweep();
    expect(isSameProcessAlive(orphan.pid, orphan.starttime)).toBe(false);
  });

  it("under sweep-ignores-identity, kills the recycled pid: the bug this test exists to catch", async () => {
    const stranger = await sleeper({});
    await pidFile(stranger.pid, stranger.starttime - 1);
    await sweep(["sweep-ignores-identity"]);
    expect(isSameProcessAlive(stranger.pid, stranger.starttime)).toBe(false);
  });
});
