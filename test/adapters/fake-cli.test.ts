// The fake chain's CLI: perl where perl is on PATH, node's cli.js where it is not. Either way it
// holds its ballast resident and keeps SIGTERM ignored when told to.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AcpClient } from "../../acp/acp-client.js";
import { fakeProfile } from "../../harness/adapters/registry.js";
import { setTimeout as sleep } from "node:timers/promises";
import { onPath } from "../../os/command-on-path.js";
import { isSameProcessAlive, liveGroupMembers } from "../../os/proc-stat.js";
import { BEHAVIOUR_ENV } from "../../protocol/adapter-launch.js";

const MiB = 1024 * 1024;
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** A PATH with sh on it and nothing else: no perl. */
async function pathWithoutPerl(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "reapcheck-no-perl-"));
  dirs.push(dir);
  await symlink("/bin/sh", join(dir, "sh"));
  return dir;
}

/** Starts a fake chain with 16 MB of ballast and SIGTERM ignored, up to a session; returns its CLI as /proc shows it. */
async function cliOfChain(path: string): Promise<{ args: string; rssBytes: number; outlivesTerm: boolean }> {
  const launch = fakeProfile.launch();
  const env = { ...process.env, PATH: path, [BEHAVIOUR_ENV.ballastMb]: "16", [BEHAVIOUR_ENV.ignoreSigterm]: "1" };
  const child = spawn(launch.command, launch.args, { detached: true, stdio: ["pipe", "pipe", "inherit"], env });
  const root = child.pid!;
  try {
    const client = new AcpClient(child.stdin, child.stdout);
    await client.initialize(10_000);
    // session/new is answered only once the CLI has said it is ready.
    await client.newSession(tmpdir(), 10_000);
    const members = liveGroupMembers(root);
    const agent = members.find((m) => m.ppid === root)!;
    const cli = members.find((m) => m.ppid === agent.pid)!;
    const args = (await readFile(`/proc/${cli.pid}/cmdline`, "latin1")).split("\0").join(" ");
    const status = await readFile(`/proc/${cli.pid}/status`, "latin1");
    const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1]);
    process.kill(cli.pid, "SIGTERM");
    await sleep(300);
    return { args, rssBytes: rssKb * 1024, outlivesTerm: isSameProcessAlive(cli.pid, cli.starttime) };
  } finally {
    process.kill(-root, "SIGKILL");
  }
}

describe("the fake chain's CLI", () => {
  it.skipIf(!onPath("perl"))("is perl where perl is on PATH: named fake-cli, its ballast resident, SIGTERM ignored", async () => {
    const cli = await cliOfChain(process.env.PATH ?? "");
    expect(cli.args).toMatch(/^fake-cli -e /);
    expect(cli.rssBytes).toBeGreaterThan(16 * MiB);
    expect(cli.outlivesTerm).toBe(true);
  });

  it("is node running cli.js where perl is not, with the same ballast and the same SIGTERM", async () => {
    const cli = await cliOfChain(await pathWithoutPerl());
    expect(cli.args).toMatch(/node .*fake\/cli\.js/);
    expect(cli.rssBytes).toBeGreaterThan(16 * MiB);
    expect(cli.outlivesTerm).toBe(true);
  });
});
