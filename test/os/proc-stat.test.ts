import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { readStat } from "../../os/proc-stat.js";

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
      await sleep(200);
      const text = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = text.slice(text.lastIndexOf(")") + 2).split(" ").map(Number);
      const { rssBytes, ...stat } = readStat(pid)!;
      expect(stat).toEqual({ pid, comm: name, state: "S", ppid: process.pid, pgid: pid, sid: pid, starttime: fields[19] });
      expect(fields[19]).toBeGreaterThan(0);
      // RSS is in pages: 4 KiB on x86_64, up to 64 KiB on arm64.
      expect([4096, 16384, 65536]).toContain(rssBytes / fields[21]!);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("is null for a pid that is not there", () => {
    expect(readStat(2 ** 22 + 1)).toBeNull();
  });
});
