// One look at the soak's memory: every process carrying the run tag (the engine apart), the
// engine itself, the live process groups its jobs spawned, and the host's MemAvailable.
import type { Probe } from "../harness/probes/probe.js";
import { isAlive } from "../result/process.js";

export interface SoakSample {
  /** Milliseconds after the soak started. */
  tMs: number;
  jobsDone: number;
  /** RSS of every live process carrying the run tag, except the engine. */
  taggedRssBytes: number;
  engineRssBytes: number;
  /** Distinct live process groups among those processes: one per chain still alive. */
  liveGroups: number;
  memAvailableBytes: number;
}

export interface SamplerInput {
  run: string;
  enginePid: number;
  probe: Probe;
  readMemAvailable: () => number;
}

export interface Look {
  sample: Omit<SoakSample, "tMs" | "jobsDone">;
  /** RSS per REAPCHECK_JOB tag: one adapter chain per job in a soak. */
  rssByJob: Map<string, number>;
}

export async function look(input: SamplerInput): Promise<Look> {
  const processes = (await input.probe.scan()).filter((p) => p.run === input.run && isAlive(p));
  let taggedRssBytes = 0;
  let engineRssBytes = 0;
  const groups = new Set<number>();
  const rssByJob = new Map<string, number>();
  for (const p of processes) {
    if (p.pid === input.enginePid) {
      engineRssBytes = p.rssBytes;
      continue;
    }
    taggedRssBytes += p.rssBytes;
    groups.add(p.pgid);
    if (p.job !== null) rssByJob.set(p.job, (rssByJob.get(p.job) ?? 0) + p.rssBytes);
  }
  return {
    sample: { taggedRssBytes, engineRssBytes, liveGroups: groups.size, memAvailableBytes: input.readMemAvailable() },
    rssByJob,
  };
}
