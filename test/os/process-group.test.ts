import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { killGroup, ledBy } from "../../os/process-group.js";
import { liveGroupMembers, readStat } from "../../os/proc-stat.js";

describe("killGroup", () => {
  it("finds a member forked into the group after the SIGTERM, and SIGKILLs it", async () => {
    // On SIGTERM the leader starts a child that ignores TERM, in its group, and exits: every
    // member seen before the signal is gone, yet the group is not empty.
    // It says "ready" once its trap is set: a SIGTERM before that would simply end it.
    const script = `trap '(trap "" TERM; exec sleep 30) & exit 0' TERM; echo ready; while :; do sleep 0.05; done`;
    const leader = spawn("sh", ["-c", script], { detached: true, stdio: ["ignore", "pipe", "ignore"] });
    const pgid = leader.pid!;
    try {
      await new Promise((resolve) => leader.stdout.once("data", resolve));
      leader.stdout.destroy();
      const owns = ledBy(pgid, readStat(pgid)!.starttime);
      expect(await killGroup(pgid, { graceMs: 1_000, escalate: true, leaderOnly: false, owns })).toEqual({ kind: "gone", signal: "SIGKILL" });
      expect(liveGroupMembers(pgid)).toEqual([]);
    } finally {
      try {
        process.kill(-pgid, "SIGKILL");
      } catch {
        // gone, as it should be
      }
    }
  });
});
