import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AcpClient } from "../../acp/acp-client.js";
import { fakeProfile } from "../../harness/adapters/registry.js";
import { compiled } from "../../harness/compiled-paths.js";
import { referenceEngine } from "../../harness/engine-command.js";
import { snapshotArgs, thisNode } from "../../harness/startup-snapshot.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function entryWith(record: object | undefined): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "reapcheck-snapshot-"));
  dirs.push(dir);
  await writeFile(join(dir, "entry.blob"), "not a blob");
  if (record !== undefined) await writeFile(join(dir, "entry.blob.json"), JSON.stringify(record));
  return join(dir, "entry.js");
}

describe("startup snapshots", () => {
  it("start an entry from its blob only when the blob was made by this node", async () => {
    const here = await entryWith({ ...thisNode(), bundle: "x" });
    expect(snapshotArgs(here)).toEqual(["--snapshot-blob", here.replace(/\.js$/, ".blob")]);
    expect(snapshotArgs(await entryWith({ ...thisNode(), node: "v0.0.0", bundle: "x" }))).toBeUndefined();
    expect(snapshotArgs(await entryWith({ ...thisNode(), arch: "sparc", bundle: "x" }))).toBeUndefined();
    expect(snapshotArgs(await entryWith(undefined))).toBeUndefined();
  });

  it("the reference engine starts from its snapshot, but from main.js where NODE_OPTIONS could hold V8 flags", () => {
    const saved = process.env.NODE_OPTIONS;
    try {
      delete process.env.NODE_OPTIONS;
      expect(referenceEngine().argv).toEqual([process.execPath, "--snapshot-blob", compiled("engine/main-snapshot.blob")]);
      process.env.NODE_OPTIONS = "--max-old-space-size=200";
      expect(referenceEngine().argv).toEqual([process.execPath, compiled("engine/main.js")]);
    } finally {
      if (saved === undefined) delete process.env.NODE_OPTIONS;
      else process.env.NODE_OPTIONS = saved;
    }
  });

  it("the build made the fake agent's snapshot, and the fake chain starts from it and speaks ACP", async () => {
    const launch = fakeProfile.launch();
    expect(launch.args).toContain(`--snapshot-blob`);
    expect(launch.args).toContain(compiled("harness/adapters/fake/agent-snapshot.blob"));
    const child = spawn(launch.command, launch.args, { detached: true, stdio: ["pipe", "pipe", "inherit"], env: { ...process.env, NODE_OPTIONS: "--max-old-space-size=200" } });
    try {
      const client = new AcpClient(child.stdin, child.stdout);
      await client.initialize(10_000);
      await expect(client.newSession(tmpdir(), 10_000)).resolves.toBeTruthy();
    } finally {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    }
  });
});
