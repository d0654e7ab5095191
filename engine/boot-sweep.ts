// The boot orphan sweep: a restarted engine ends the adapter chains its crashed predecessor left.
// It signals a process only while it is still the one recorded (pid + starttime) and still
// carries this engine's tag; a pid that was recycled by someone else is left alone.
import { readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { liveWithEnv, readEnvVar, readStat } from "../os/proc-stat.js";
import { killGroup, killProcesses } from "../os/process-group.js";
import type { SweepReport } from "../protocol/messages.js";
import { parsePidFile } from "../protocol/state-folder.js";
import type { FaultSet } from "./fault-set.js";
import { ACP_TAG } from "./tagging.js";

export async function bootSweep(options: { owner: string; pidDir: string; faults: FaultSet; killGraceMs: number }): Promise<SweepReport> {
  const report: SweepReport = { killedGroups: [], survivors: [], staleFiles: 0, notOurs: [] };
  if (options.faults.has("no-boot-sweep")) return report;
  const ours = (value: string | null): boolean => value !== null && value.startsWith(`${options.owner}/`);
  const trusting = options.faults.has("sweep-ignores-identity");
  const kill = {
    graceMs: options.killGraceMs,
    escalate: true,
    leaderOnly: false,
    owns: (members: readonly { pid: number }[]) => trusting || members.some((m) => ours(readEnvVar(m.pid, ACP_TAG))),
  };

  let files: string[] = [];
  try {
    files = readdirSync(options.pidDir).filter((f) => /^acp-\d+\.json$/.test(f));
  } catch {
    // no pid folder: nothing was ever spawned here
  }
  for (const name of files) {
    const file = join(options.pidDir, name);
    const record = (() => {
      try {
        return parsePidFile(readFileSync(file, "utf8"));
      } catch {
        return null;
      }
    })();
    if (record !== null && record.pgid > 1) {
      const now = readStat(record.pid);
      const isOurs = now !== null && now.starttime === record.starttime && ours(readEnvVar(record.pid, ACP_TAG));
      if (now !== null && (isOurs || trusting)) {
        const result = await killGroup(record.pgid, kill);
        if (result.kind === "gone" && result.signal !== "none") report.killedGroups.push(record.pgid);
        if (result.kind === "survived") report.survivors.push(...result.pids);
      } else if (now !== null) {
        report.notOurs.push(record.pid);
      }
    }
    report.staleFiles++;
    rmSync(file, { force: true });
  }
  // Chain members with no pid file: children whose root died, or descendants that left the group.
  report.survivors.push(...(await killProcesses(liveWithEnv(ACP_TAG, ours))));
  return report;
}
