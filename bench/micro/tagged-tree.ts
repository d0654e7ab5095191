// A tree of N tagged processes for the probes to find: one shell and its sleeping children, in
// one process group, so the whole tree goes with one signal. It is ready once every sleep runs.
import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { liveGroupMembers } from "../../os/proc-stat.js";
import { RUN_TAG } from "../../protocol/tags.js";

export interface TaggedTree {
  pgid: number;
  pids: number[];
  /** SIGKILLs the group and resolves once none of it is alive. */
  kill(): Promise<void>;
}

export async function spawnTaggedTree(run: string, size: number, timeoutMs = 20_000): Promise<TaggedTree> {
  const child = spawn("sh", ["-c", `i=1; while [ $i -lt ${size} ]; do sleep 600 & i=$((i+1)); done; wait`], {
    detached: true,
    stdio: "ignore",
    env: { ...process.env, [RUN_TAG]: run },
  });
  const pgid = child.pid;
  if (pgid === undefined) throw new Error("cannot start sh for the process tree");
  const kill = async (): Promise<void> => {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // already gone
    }
    while (liveGroupMembers(pgid).length > 0) await sleep(20);
  };
  const end = Date.now() + timeoutMs;
  for (;;) {
    const members = liveGroupMembers(pgid);
    // Every child has exec'd sleep: a probe timed while hundreds still exec would time the execs.
    const settled = members.filter((m) => m.pid === pgid || m.comm === "sleep").length;
    if (settled >= size) return { pgid, pids: members.map((m) => m.pid), kill };
    if (Date.now() > end) {
      await kill();
      throw new Error(`the process tree reached ${members.length} of ${size} processes`);
    }
    await sleep(20);
  }
}
