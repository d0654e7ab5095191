// A process that is not ours, planted behind a pid file as a recycled pid would be: the pid file
// names its pid, but with another process's starttime. An engine that trusts pid files kills it.
import { type ChildProcess, spawn } from "node:child_process";
import { isSameProcessAlive, readStat } from "../os/proc-stat.js";
import { pidDirOf, writePidFile } from "../protocol/state-folder.js";
import { RUN_TAG } from "../protocol/tags.js";

export interface Decoy {
  pid: number;
  starttime: number;
  child: ChildProcess;
}

export async function plantDecoy(run: string, stateDir: string): Promise<Decoy> {
  // It carries the run tag only so a harness killed mid-run still has it reaped; it carries no
  // engine tag, so nothing entitles the engine to signal it.
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1 << 30)"], {
    detached: true,
    stdio: "ignore",
    env: { ...process.env, [RUN_TAG]: run },
  });
  await new Promise<void>((resolve, reject) => child.once("spawn", resolve).once("error", reject));
  const pid = child.pid ?? 0;
  const starttime = readStat(pid)?.starttime ?? 0;
  writePidFile(pidDirOf(stateDir), { pid, pgid: pid, starttime: starttime - 1, agent: "recycled", jobs: [] });
  return { pid, starttime, child };
}

export function decoyAlive(decoy: Decoy): boolean {
  return isSameProcessAlive(decoy.pid, decoy.starttime);
}

/** Kills the decoy and waits for its exit, so the run's final sweep does not count it as a leak. */
export async function removeDecoy(decoy: Decoy): Promise<void> {
  if (decoy.child.exitCode !== null || decoy.child.signalCode !== null) return;
  const exited = new Promise((resolve) => decoy.child.once("exit", resolve));
  decoy.child.kill("SIGKILL");
  await exited;
}
