import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { readFileSync, readdirSync } from "node:fs";
import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { listPids, readStat } from "../../os/proc-stat.js";
import { onPath } from "../../os/command-on-path.js";
import { PACKAGE_ROOT } from "../../harness/compiled-paths.js";
import { waitUntil } from "../../harness/wait-until.js";

const openFiles = (): number => readdirSync("/proc/self/fd").length;

// Every sleeper a test starts, so one whose test failed before killing it is killed all the same.
const sleepers = new Set<ChildProcess>();

function sleeper(): { pid: number; exited: Promise<unknown> } {
  const child = spawn("sleep", ["30"], { stdio: "ignore" });
  sleepers.add(child);
  const exited = new Promise((resolve) => child.once("exit", resolve)).finally(() => sleepers.delete(child));
  return { pid: child.pid!, exited };
}

afterEach(async () => {
  const left = [...sleepers];
  for (const child of left) child.kill("SIGKILL");
  await Promise.all(left.map((child) => (child.exitCode === null && child.signalCode === null ? once(child, "exit") : undefined)));
});

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe("readStat", () => {
  it("reads a process whose name holds spaces and parentheses as the kernel's own fields say", async () => {
    // comm is the executable's file name: a link named like this makes one.
    const dir = await mkdtemp(join(tmpdir(), "reapcheck-stat-"));
    dirs.push(dir);
    const name = "a) b (c";
    await symlink("/bin/sleep", join(dir, name));
    const child = spawn(join(dir, name), ["30"], { detached: true, stdio: "ignore" });
    try {
      const pid = child.pid!;
      // Until it has exec'd the link and is asleep, its stat is node's forked child's.
      const settled = await waitUntil(async () => readStat(pid), (p) => p?.comm === name && p.state === "S", { deadlineMs: 5_000 });
      expect(settled.ok).toBe(true);
      const text = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = text.slice(text.lastIndexOf(")") + 2).split(" ").map(Number);
      const { rssBytes, ...stat } = readStat(pid)!;
      expect(stat).toEqual({ pid, comm: name, state: "S", ppid: process.pid, pgid: pid, sid: pid, starttime: fields[19], argStart: fields[45], envStart: fields[47], envEnd: fields[48] });
      expect(fields[19]).toBeGreaterThan(0);
      // Its own: the arguments lie below the environment, both in the process's memory.
      expect(stat.argStart).toBeGreaterThan(0);
      expect(stat.envStart).toBeGreaterThan(stat.argStart);
      expect(stat.envEnd).toBeGreaterThan(stat.envStart);
      // RSS is in pages: 4 KiB on x86_64, up to 64 KiB on arm64.
      expect([4096, 16384, 65536]).toContain(rssBytes / fields[21]!);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("reads a process afresh each time, and nothing once it is reaped", async () => {
    const { pid, exited } = sleeper();
    const state = async (): Promise<string | undefined> => readStat(pid)?.state;
    expect((await waitUntil(state, (s) => s === "S", { deadlineMs: 5_000 })).ok).toBe(true);
    process.kill(pid, "SIGSTOP");
    // Through the file kept open since the first read: a stale read would never say stopped.
    expect((await waitUntil(state, (s) => s === "T", { deadlineMs: 5_000 })).ok).toBe(true);
    process.kill(pid, "SIGKILL");
    await exited;
    expect(readStat(pid)).toBeNull();
  });

  it("keeps no file open for a process gone from the table", async () => {
    const before = openFiles();
    const children = Array.from({ length: 20 }, sleeper);
    for (const { pid } of children) expect(readStat(pid)).not.toBeNull();
    for (const { pid } of children) process.kill(pid, "SIGKILL");
    await Promise.all(children.map((c) => c.exited));
    listPids();
    expect(openFiles()).toBeLessThanOrEqual(before);
  });

  it("is null for a pid that is not there", () => {
    expect(readStat(2 ** 22 + 1)).toBeNull();
  });
});

describe("listPids", () => {
  it("names a process started since the last listing", () => {
    listPids();
    const { pid } = sleeper();
    expect(listPids()).toContain(pid);
  });

  it("no longer names a process once it is reaped, though nothing was started since", async () => {
    const { pid, exited } = sleeper();
    expect(listPids()).toContain(pid);
    expect(readStat(pid)).not.toBeNull();
    process.kill(pid, "SIGKILL");
    await exited;
    // The read through its kept file fails: that is how a listing kept since the last fork learns of it.
    expect(readStat(pid)).toBeNull();
    expect(listPids()).not.toContain(pid);
  });
});

// A sandbox's /proc/stat may print a count of created tasks that never moves (gVisor's is 0). In
// a mount namespace of its own, a child sees such a file over the kernel's; its listing of /proc
// must not go stale.
const noStandIn =
  process.getuid?.() !== 0
    ? "it needs root to mount over /proc/stat"
    : !onPath("unshare")
      ? "it needs util-linux's unshare"
      : spawnSync("unshare", ["--mount", "true"]).status !== 0
        ? "unshare --mount is refused here (no CAP_SYS_ADMIN)"
        : null;

async function seenUnder(procStat: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "reapcheck-stat-"));
  dirs.push(dir);
  await writeFile(join(dir, "stat"), procStat);
  const script = [
    `import { spawn } from "node:child_process";`,
    `import { listPids } from ${JSON.stringify(join(PACKAGE_ROOT, "dist/os/proc-stat.js"))};`,
    `listPids();`,
    `const child = spawn("sleep", ["10"], { stdio: "ignore" });`,
    `try {`,
    `  console.log(listPids().includes(child.pid) ? "seen" : "missed");`,
    `} finally {`,
    `  child.kill("SIGKILL");`,
    `}`,
  ].join("\n");
  const run = spawnSync("unshare", ["--mount", "--propagation", "private", "sh", "-c", `mount --bind "$1" /proc/stat && exec "$2" --input-type=module -e "$3"`, "sh", join(dir, "stat"), process.execPath, script], { encoding: "utf8", timeout: 20_000 });
  expect(run.stderr).toBe("");
  return run.stdout.trim();
}

describe.skipIf(noStandIn !== null)(`listPids where /proc/stat's count of tasks is a stand-in${noStandIn === null ? "" : ` (skipped: ${noStandIn})`}`, () => {
  it.each(["0", "999999"])("names a process started since the last listing where the count stands at %s", async (count) => {
    expect(await seenUnder(`cpu  1 0 1 1 0 0 0 0 0 0\nprocesses ${count}\nprocs_running 1\n`)).toBe("seen");
  });
});
