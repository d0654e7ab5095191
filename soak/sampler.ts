// One look at the soak's memory: every process carrying the run tag (the engine apart) by RSS and
// by PSS, the engine itself, the live process groups its jobs spawned, the memory the kernel
// charges the run's cgroup, and the host's MemAvailable. RSS counts a shared page once per
// process; PSS splits it between them; the charge is what the host really gave the run.
import { readFileSync } from "node:fs";
import type { Probe } from "../harness/probes/probe.js";
import { type Containment, memoryCharge } from "../os/cgroup.js";
import { type ProcessInfo, isAlive } from "../result/process.js";

export interface SoakSample {
  /** Milliseconds after the soak started. */
  tMs: number;
  jobsDone: number;
  /** RSS of every live process carrying the run tag, except the engine. */
  taggedRssBytes: number;
  /** Their PSS (/proc/<pid>/smaps_rollup): each shared page split between its sharers. */
  taggedPssBytes: number;
  /** What the kernel charges the run's cgroup (engine included); null without one. */
  cgroupBytes: number | null;
  engineRssBytes: number;
  /** Distinct live process groups among those processes: one per chain still alive. */
  liveGroups: number;
  memAvailableBytes: number;
}

export interface SamplerInput {
  run: string;
  enginePid: number;
  probe: Probe;
  containment: Containment;
  readMemAvailable: () => number;
}

/** A process's PSS in bytes; 0 once it is gone. */
function pssBytes(pid: number): number {
  try {
    const match = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "latin1"));
    return match === null ? 0 : Number(match[1]) * 1024;
  } catch {
    return 0;
  }
}

export interface Look {
  sample: Omit<SoakSample, "tMs" | "jobsDone">;
  /** RSS per REAPCHECK_JOB tag: one adapter chain per job in a soak. */
  rssByJob: Map<string, number>;
  /** The run's live processes, for naming what an OOM kill took. */
  processes: ProcessInfo[];
}

export async function look(input: SamplerInput): Promise<Look> {
  const processes = (await input.probe.scan()).filter((p) => p.run === input.run && isAlive(p));
  let taggedRssBytes = 0;
  let taggedPssBytes = 0;
  let engineRssBytes = 0;
  const groups = new Set<number>();
  const rssByJob = new Map<string, number>();
  for (const p of processes) {
    if (p.pid === input.enginePid) {
      engineRssBytes = p.rssBytes;
      continue;
    }
    taggedRssBytes += p.rssBytes;
    taggedPssBytes += pssBytes(p.pid);
    groups.add(p.pgid);
    if (p.job !== null) rssByJob.set(p.job, (rssByJob.get(p.job) ?? 0) + p.rssBytes);
  }
  return {
    sample: {
      taggedRssBytes,
      taggedPssBytes,
      cgroupBytes: memoryCharge(input.containment),
      engineRssBytes,
      liveGroups: groups.size,
      memAvailableBytes: input.readMemAvailable(),
    },
    rssByJob,
    processes,
  };
}
