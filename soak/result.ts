// What a soak saw, for every writer: samples, the fit, the chain's measured size, the verdict.
import type { LinearFit } from "./least-squares.js";
import type { Projection } from "./memory-floor.js";
import type { SoakSample } from "./sampler.js";

export const SOAK_SCHEMA_VERSION = 1;

export type SoakEnding =
  | { kind: "finished" }
  /** MemAvailable came within one chain of the floor: the soak stopped spawning and reaped. */
  | { kind: "memory-floor"; afterJobs: number; memAvailableBytes: number }
  /** The projected peak could not fit above the floor and --force was not given. */
  | { kind: "refused"; reason: string }
  /** The kernel's OOM killer fired inside the run's memory-limited cgroup (--host-memory). */
  | { kind: "oom"; afterJobs: number; limitBytes: number; victim: { args: string; rssBytes: number } | null }
  | { kind: "error"; message: string };

export type SoakVerdict = "clean" | "leak" | "memory-floor" | "oom" | "refused" | "error";

/** What each job cost, by each measure: slopes in MiB per job; null where a measure is not there. */
export interface HostCost {
  rss: number | null;
  pss: number | null;
  cgroup: number | null;
  /** How fast MemAvailable fell, per job (positive: the host lost memory). */
  memAvailable: number | null;
  /** The headline: the cgroup's charge where there is one, else PSS. */
  perJobMib: number | null;
  /** Jobs more before the host (or the --host-memory limit) runs out, at that cost; null when flat. */
  jobsUntilStarved: number | null;
}

/** The spread of one chain's peak RSS over every chain a soak saw. */
export interface ChainRssSpread {
  /** Median over the chains the probe saw of each chain's largest RSS. */
  medianBytes: number;
  minBytes: number;
  maxBytes: number;
  chains: number;
}

export interface SoakResult {
  schemaVersion: typeof SOAK_SCHEMA_VERSION;
  transition: string;
  adapter: string;
  faults: string[];
  run: string;
  jobs: number;
  /** Engine jobs per soak job: the scenario's jobs, submitted together. */
  jobsPerPass: number;
  jobsDone: number;
  concurrency: number;
  ballastMb: number | null;
  floorBytes: number;
  leakThresholdMibPerJob: number;
  projection: Projection | null;
  samples: SoakSample[];
  /** Tagged RSS (MiB) against jobs done. */
  fit: LinearFit | null;
  /** The engine's own RSS (MiB) against jobs done: a leak inside the engine shows here. */
  engineFit: LinearFit | null;
  hostCost: HostCost;
  /** The memory limit of the run's cgroup, when the soak stood for a smaller host. */
  hostMemoryBytes: number | null;
  /** How the run was contained: "cgroup", or tags only with the reason. */
  containment: string;
  chainRss: ChainRssSpread | null;
  /** Live tagged process groups once the last job's release had time to finish. */
  liveGroupsAtEnd: number;
  /** Processes the harness had to kill after the engine shut down. */
  reapedAtEnd: number;
  errors: string[];
  ending: SoakEnding;
  verdict: SoakVerdict;
  /** Why the verdict is what it is, one reason a line. */
  reasons: string[];
  durationMs: number;
}

export const SOAK_EXIT: Readonly<Record<SoakVerdict, number>> = {
  clean: 0,
  leak: 1,
  "memory-floor": 1,
  oom: 1,
  refused: 2,
  error: 2,
};

export function judge(input: {
  ending: SoakEnding;
  fit: LinearFit | null;
  liveGroupsAtEnd: number;
  thresholdMibPerJob: number;
  errors: readonly string[];
}): { verdict: SoakVerdict; reasons: string[] } {
  const { ending, fit } = input;
  switch (ending.kind) {
    case "refused":
      return { verdict: "refused", reasons: [ending.reason] };
    case "error":
      return { verdict: "error", reasons: [ending.message] };
    case "oom": {
      const victim = ending.victim === null ? "" : ` (victim: ${ending.victim.args.split(" ").slice(0, 2).map((a) => a.split("/").pop()).join(" ")}, ${(ending.victim.rssBytes / 2 ** 20).toFixed(0)} MB)`;
      return {
        verdict: "oom",
        reasons: [`the kernel's OOM killer fired after ${ending.afterJobs} jobs in a ${(ending.limitBytes / 2 ** 30).toFixed(2)} GiB cgroup${victim}`],
      };
    }
    case "memory-floor": {
      const stop = `stopped at the memory floor after ${ending.afterJobs} jobs (MemAvailable ${(ending.memAvailableBytes / 2 ** 20).toFixed(0)} MiB)`;
      return {
        verdict: "memory-floor",
        reasons: fit === null ? [stop] : [stop, `slope so far ${fit.slope.toFixed(1)} MiB/job`],
      };
    }
    case "finished": {
      if (input.errors.length > 0) return { verdict: "error", reasons: [...input.errors] };
      if (fit === null) return { verdict: "error", reasons: ["too few samples for a slope: run at least 2 jobs"] };
      const slope = `slope ${fit.slope.toFixed(1)} MiB/job`;
      const reasons: string[] = [];
      if (fit.slope > input.thresholdMibPerJob) reasons.push(`${slope} is above the ${input.thresholdMibPerJob} MiB/job threshold`);
      if (input.liveGroupsAtEnd > 0) reasons.push(`${input.liveGroupsAtEnd} process group(s) still alive after the last job`);
      return reasons.length > 0
        ? { verdict: "leak", reasons }
        : { verdict: "clean", reasons: [`${slope} is within the ${input.thresholdMibPerJob} MiB/job threshold; no process group left`] };
    }
  }
}
