// The no-foreign-kill witness for a black box: a process of ours that the engine did not start,
// outside its tree and its groups, whose command line mirrors the adapter's. An engine that cleans
// up by name or pattern (pkill -f, a sweep of "every node process running the adapter") kills it;
// one that ends only what it started leaves it alone.
import { type ChildProcess, spawn } from "node:child_process";
import { isSameProcessAlive, readStat } from "../os/proc-stat.js";
import { JOB_TAG, RUN_TAG } from "../protocol/tags.js";

export interface MirrorDecoy {
  pid: number;
  starttime: number;
  /** The command line it mirrors, for the report. */
  mirrors: string;
  child: ChildProcess;
}

export async function plantMirrorDecoy(run: string, adapterCommandLine: string): Promise<MirrorDecoy> {
  // Tagged with the run (so a harness killed mid-run still has it reaped) and a job of its own,
  // never the job's: nothing entitles the engine to signal it.
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1 << 30)", adapterCommandLine], {
    detached: true,
    stdio: "ignore",
    env: { ...process.env, [RUN_TAG]: run, [JOB_TAG]: `${run}.decoy` },
  });
  await new Promise<void>((resolve, reject) => child.once("spawn", resolve).once("error", reject));
  const pid = child.pid ?? 0;
  return { pid, starttime: readStat(pid)?.starttime ?? 0, mirrors: adapterCommandLine, child };
}

export function mirrorDecoyAlive(decoy: MirrorDecoy): boolean {
  return isSameProcessAlive(decoy.pid, decoy.starttime);
}

/** Ends the decoy and waits for it, so the run's final sweep does not count it as a leak. */
export async function removeMirrorDecoy(decoy: MirrorDecoy): Promise<void> {
  if (decoy.child.exitCode !== null || decoy.child.signalCode !== null) return;
  const exited = new Promise((resolve) => decoy.child.once("exit", resolve));
  decoy.child.kill("SIGKILL");
  await exited;
}
