// RSS of one adapter chain, measured by the probe: the chain is started as the engine starts it,
// brought up to a live session, scanned by its process group, then killed by group.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { killGroup, taggedWith } from "../../os/process-group.js";
import { JOB_TAG, RUN_TAG } from "../../protocol/tags.js";
import type { ProcessInfo } from "../../result/process.js";
import type { Probe } from "../probes/probe.js";
import { isAlive } from "../../result/process.js";
import type { AdapterProfile } from "./profile.js";

export interface ChainRss {
  adapter: string;
  pgid: number;
  /** Live members of the chain's group, root first. */
  processes: ProcessInfo[];
  totalBytes: number;
}

const MB = 2 ** 20;

/** `npm exec 75 MB → sh 1 MB → node 75 MB → claude 220 MB = 371 MB`, for a report line. */
export function chainLine(chain: ChainRss): string {
  // "node /…/.bin/claude-agent-acp" reads better as "node claude-agent-acp".
  const name = (args: string): string => args.split(" ").slice(0, 2).map((a) => a.split("/").pop()).join(" ");
  const parts = chain.processes.map((p) => `${name(p.args)} ${(p.rssBytes / MB).toFixed(0)} MB`);
  return `${chain.adapter} chain: ${parts.join(" → ")} = ${(chain.totalBytes / MB).toFixed(0)} MB RSS`;
}

export async function measureChain(profile: AdapterProfile, probe: Probe, run: string, timeoutMs = 30_000): Promise<ChainRss> {
  // Loaded here, not with the module: nothing else in the command line speaks ACP, and the SDK
  // was a third of its start-up.
  const { AcpClient } = await import("../../acp/acp-client.js");
  // A held turn: the stub never answers, and nothing here prompts; the session alone is measured.
  const prepared = await profile.prepare?.({ turn: "hold" });
  const launch = profile.launch();
  const cwd = mkdtempSync(join(tmpdir(), "reapcheck-chain-"));
  const child = spawn(launch.command, launch.args, {
    detached: true,
    stdio: ["pipe", "pipe", "ignore"],
    env: { ...process.env, ...launch.env, ...prepared?.env, [RUN_TAG]: run, [JOB_TAG]: `${run}.chain` },
  });
  child.stdin.on("error", () => undefined);
  const pgid = child.pid ?? 0;
  const client = new AcpClient(child.stdin, child.stdout);
  try {
    await client.initialize(timeoutMs);
    await client.newSession(cwd, timeoutMs);
    const processes = (await probe.scan()).filter((p) => p.pgid === pgid && isAlive(p)).sort((a, b) => a.starttime - b.starttime || a.pid - b.pid);
    return { adapter: profile.name, pgid, processes, totalBytes: processes.reduce((sum, p) => sum + p.rssBytes, 0) };
  } finally {
    client.close();
    if (pgid > 1) await killGroup(pgid, { graceMs: 1_000, escalate: true, leaderOnly: false, owns: taggedWith(RUN_TAG, run) });
    await prepared?.dispose();
    rmSync(cwd, { recursive: true, force: true });
  }
}
