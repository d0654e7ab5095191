// The backstop: ends whatever still carries a run's tag. It signals only processes whose
// environment carries that tag, and re-checks each one's identity just before the signal.
import { setTimeout as sleep } from "node:timers/promises";
import { readStat } from "../engine/proc-stat.js";
import { type ProcessInfo, type Probe, isAlive } from "./probes/probe.js";

function sameProcess(p: ProcessInfo): boolean {
  return readStat(p.pid)?.starttime === p.starttime;
}

/** Kills every live process tagged with the run; returns what it found alive (the leak). */
export async function reapRun(run: string, probe: Probe, waitMs = 3_000): Promise<ProcessInfo[]> {
  const tagged = (await probe.scan()).filter((p) => p.run === run && isAlive(p));
  for (const p of tagged) {
    if (!sameProcess(p)) continue;
    try {
      process.kill(p.pid, "SIGKILL");
    } catch {
      // gone between the scan and the signal
    }
  }
  const end = Date.now() + waitMs;
  while (Date.now() < end && tagged.some((p) => sameProcess(p) && readStat(p.pid)?.state !== "Z")) {
    await sleep(20);
  }
  return tagged;
}
