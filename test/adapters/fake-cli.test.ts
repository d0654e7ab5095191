// The fake chain's CLI, and the escapees it starts for `setsid` and `double-fork`: perl where perl
// is on PATH, node where it is not. Either way each holds its ballast resident and keeps SIGTERM
// ignored when told to, and an escapee is in a session of its own.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AcpClient } from "../../acp/acp-client.js";
import { fakeProfile } from "../../harness/adapters/registry.js";
import { setTimeout as sleep } from "node:timers/promises";
import { onPath } from "../../os/command-on-path.js";
import { isSameProcessAlive, liveGroupMembers, liveWithEnv } from "../../os/proc-stat.js";
import { BEHAVIOUR_ENV } from "../../protocol/adapter-launch.js";
import { RUN_TAG } from "../../protocol/tags.js";

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

interface Seen {
  args: string;
  rssBytes: number;
  outlivesTerm: boolean;
  /** Whether it leads a session of its own. */
  ownSession: boolean;
  ppid: number;
}

/** A process as /proc shows it, sent SIGTERM to see whether it outlives it. */
async function look(p: { pid: number; ppid: number; starttime: number; sid: number }): Promise<Seen> {
  const args = (await readFile(`/proc/${p.pid}/cmdline`, "latin1")).split("\0").join(" ");
  const status = await readFile(`/proc/${p.pid}/status`, "latin1");
  const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1]);
  process.kill(p.pid, "SIGTERM");
  await sleep(300);
  return { args, rssBytes: rssKb * 1024, outlivesTerm: isSameProcessAlive(p.pid, p.starttime), ownSession: p.sid === p.pid, ppid: p.ppid };
}

/**
 * Starts a fake chain with 16 MB of ballast and SIGTERM ignored, up to a session, with `escape`;
 * returns its CLI and its escapee (found by the run tag it carries: it left the group).
 */
let chains = 0;

async function chain(path: string, escape = "none"): Promise<{ cli: Seen & { pid: number }; escapee: Seen | null }> {
  const launch = fakeProfile.launch();
  const run = `fake-cli-test-${process.pid}-${++chains}`;
  const env = { ...process.env, PATH: path, [RUN_TAG]: run, [BEHAVIOUR_ENV.ballastMb]: "16", [BEHAVIOUR_ENV.ignoreSigterm]: "1", [BEHAVIOUR_ENV.escape]: escape };
  const child = spawn(launch.command, launch.args, { detached: true, stdio: ["pipe", "pipe", "inherit"], env });
  const root = child.pid!;
  try {
    const client = new AcpClient(child.stdin, child.stdout);
    await client.initialize(10_000);
    // session/new is answered only once the CLI has said it is ready, its escapee started.
    await client.newSession(tmpdir(), 10_000);
    const members = liveGroupMembers(root);
    const agent = members.find((m) => m.ppid === root)!;
    const cliStat = members.find((m) => m.ppid === agent.pid)!;
    const cli = { ...(await look(cliStat)), pid: cliStat.pid };
    const escaped = liveWithEnv(RUN_TAG, (v) => v === run).filter((p) => p.pgid !== root);
    return { cli, escapee: escaped.length === 1 ? await look(escaped[0]!) : null };
  } finally {
    process.kill(-root, "SIGKILL");
    for (const p of liveWithEnv(RUN_TAG, (v) => v === run)) process.kill(p.pid, "SIGKILL");
  }
}

describe("the fake chain's CLI", () => {
  it.skipIf(!onPath("perl"))("is perl where perl is on PATH: named fake-cli, its ballast resident, SIGTERM ignored", async () => {
    const { cli } = await chain(process.env.PATH ?? "");
    expect(cli.args).toMatch(/^fake-cli -e /);
    expect(cli.rssBytes).toBeGreaterThan(16 * MiB);
    expect(cli.outlivesTerm).toBe(true);
  });

  it("is node running cli.js where perl is not, with the same ballast and the same SIGTERM", async () => {
    const { cli } = await chain(await pathWithoutPerl());
    expect(cli.args).toMatch(/node .*fake\/cli\.js/);
    expect(cli.rssBytes).toBeGreaterThan(16 * MiB);
    expect(cli.outlivesTerm).toBe(true);
  });
});

describe.each([
  { escape: "setsid", reparented: false },
  { escape: "double-fork", reparented: true },
])("the fake CLI's $escape escapee", ({ escape, reparented }) => {
  it.skipIf(!onPath("perl"))("is perl where perl is on PATH: named fake-escapee, in a session of its own, its ballast resident, SIGTERM ignored", async () => {
    const { cli, escapee } = await chain(process.env.PATH ?? "", escape);
    expect(escapee).toMatchObject({ args: expect.stringMatching(/^fake-escapee -e /), ownSession: true, outlivesTerm: true });
    expect(escapee!.rssBytes).toBeGreaterThan(16 * MiB);
    expect(escapee!.ppid !== cli.pid).toBe(reparented);
  });

  it("is node running escapee.js where perl is not, alike", async () => {
    const { cli, escapee } = await chain(await pathWithoutPerl(), escape);
    expect(escapee).toMatchObject({ args: expect.stringMatching(/node .*fake\/escapee\.js/), ownSession: true, outlivesTerm: true });
    expect(escapee!.rssBytes).toBeGreaterThan(16 * MiB);
    expect(escapee!.ppid !== cli.pid).toBe(reparented);
  });
});
