// The soak: hundreds of jobs through one transition on one engine, memory sampled after every
// job and on a timer, a straight line fitted through tagged RSS against jobs done. A leaking
// path shows as a slope of one adapter chain per job; a sound one as a flat line.
import { poolKey } from "../protocol/adapter-launch.js";
import type { Fault } from "../protocol/faults.js";
import { parseFlow } from "../protocol/flow-schema.js";
import type { AdapterProfile } from "../harness/adapters/profile.js";
import type { Probe } from "../harness/probes/probe.js";
import { groupsOf } from "../harness/observation.js";
import { oomKills, oomVictim } from "../os/cgroup.js";
import type { ProcessInfo } from "../result/process.js";
import { reapCgroup } from "../harness/cgroup-reaper.js";
import { reapRun } from "../harness/reaper.js";
import { playScenario } from "../harness/scenario-player.js";
import { startRunEngine } from "../harness/run-engine.js";
import { DEFAULT_RUN_OPTIONS, newRunId } from "../harness/runner.js";
import type { Scenario } from "../harness/scenario.js";
import { waitUntil } from "../harness/wait-until.js";
import { MiB } from "./byte-size.js";
import { leastSquares } from "./least-squares.js";
import { chainEstimateBytes, projectPeak, wouldCrossFloor } from "./memory-floor.js";
import { type SoakEnding, type ChainRssSpread, SOAK_SCHEMA_VERSION, type SoakResult, judge } from "./result.js";
import { type SamplerInput, type SoakSample, look } from "./sampler.js";
import { passJobs, unsoakable } from "./pass.js";

export interface SoakOptions {
  scenario: Scenario;
  jobs: number;
  /** Soak jobs in flight at once. */
  concurrency: number;
  /** Per-process ballast of every agent step; null keeps the scenario's. */
  ballastMb: number | null;
  adapter: AdapterProfile;
  faults: readonly Fault[];
  probe: Probe;
  floorBytes: number;
  /** Start even when the projected peak does not fit; the floor still stops the run. */
  force: boolean;
  leakThresholdMibPerJob: number;
  sampleIntervalMs: number;
  /** How long the last job's release may take before live groups are counted. */
  settleMs: number;
  jobTimeoutMs: number;
  killGraceMs: number;
  handshakeTimeoutMs: number;
  readMemAvailable: () => number;
  /** Runs the engine and all it starts in a cgroup limited to this many bytes: a host that size. */
  hostMemoryBytes?: number;
  onProgress?: (progress: SoakProgress) => void;
}

export interface SoakProgress {
  jobs: number;
  latest: SoakSample;
  /** Slope so far, MiB per job; null until two jobs are done. */
  slopeMibPerJob: number | null;
}

export const DEFAULT_SOAK_OPTIONS = {
  concurrency: 2,
  ballastMb: null,
  force: false,
  floorBytes: 1024 * MiB,
  leakThresholdMibPerJob: 10,
  sampleIntervalMs: 1_000,
  settleMs: 3_000,
  jobTimeoutMs: DEFAULT_RUN_OPTIONS.jobTimeoutMs,
  killGraceMs: DEFAULT_RUN_OPTIONS.killGraceMs,
  handshakeTimeoutMs: DEFAULT_RUN_OPTIONS.handshakeTimeoutMs,
} as const;

/** Distinct adapter chains one pass of the scenario leases, and the largest ballast among them. */
function chainsOf(scenario: Scenario, ballastMb: number | null): { chains: number; ballastMb: number } {
  const keys = new Set<string>();
  let largest = 0;
  for (const job of scenario.jobs) {
    for (const step of parseFlow(job.flow).steps) {
      if (step.executor.kind !== "agent") continue;
      keys.add(poolKey(step.executor.agent));
      largest = Math.max(largest, ballastMb ?? step.executor.agent.behaviour.ballastMb);
    }
  }
  return { chains: keys.size, ballastMb: largest };
}

function chainRssOf(maxByJob: ReadonlyMap<string, number>): ChainRssSpread | null {
  const sizes = [...maxByJob.values()].sort((a, b) => a - b);
  if (sizes.length === 0) return null;
  return {
    medianBytes: sizes[Math.floor((sizes.length - 1) / 2)]!,
    minBytes: sizes[0]!,
    maxBytes: sizes[sizes.length - 1]!,
    chains: sizes.length,
  };
}

const mib = (bytes: number): number => bytes / MiB;

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const started = Date.now();
  const run = newRunId();
  const shape = chainsOf(options.scenario, options.ballastMb);
  const estimate = shape.chains * chainEstimateBytes(options.adapter.chain.length, shape.ballastMb);
  const samples: SoakSample[] = [];
  const maxByJob = new Map<string, number>();
  const errors: string[] = [];
  let jobsDone = 0;
  let liveGroupsAtEnd = 0;
  let reapedAtEnd = 0;
  let projection: SoakResult["projection"] = null;
  let containmentText = "not started";

  const finish = (ending: SoakEnding): SoakResult => {
    const points = (pick: (s: SoakSample) => number) => samples.map((s) => ({ x: s.jobsDone, y: mib(pick(s)) }));
    const fit = leastSquares(points((s) => s.taggedRssBytes));
    const slope = (pick: (s: SoakSample) => number | null): number | null =>
      samples.every((s) => pick(s) !== null) ? (leastSquares(points((s) => pick(s) ?? 0))?.slope ?? null) : null;
    const cgroup = slope((s) => s.cgroupBytes);
    const pss = slope((s) => s.taggedPssBytes);
    const available = slope((s) => s.memAvailableBytes);
    const perJobMib = cgroup ?? pss;
    const last = samples.at(-1);
    const roomBytes =
      last === undefined ? null : options.hostMemoryBytes !== undefined && last.cgroupBytes !== null ? options.hostMemoryBytes - last.cgroupBytes : last.memAvailableBytes - options.floorBytes;
    const hostCost = {
      rss: fit?.slope ?? null,
      pss,
      cgroup,
      memAvailable: available === null ? null : -available,
      perJobMib,
      jobsUntilStarved: perJobMib === null || perJobMib < 1 || roomBytes === null ? null : Math.max(0, Math.floor(mib(roomBytes) / perJobMib)),
    };
    const { verdict, reasons } = judge({ ending, fit, liveGroupsAtEnd, thresholdMibPerJob: options.leakThresholdMibPerJob, errors });
    return {
      schemaVersion: SOAK_SCHEMA_VERSION,
      transition: options.scenario.id,
      adapter: options.adapter.name,
      faults: [...options.faults],
      run,
      jobs: options.jobs,
      jobsPerPass: options.scenario.jobs.length,
      jobsDone,
      concurrency: options.concurrency,
      ballastMb: options.ballastMb,
      floorBytes: options.floorBytes,
      leakThresholdMibPerJob: options.leakThresholdMibPerJob,
      projection,
      samples,
      fit,
      engineFit: leastSquares(points((s) => s.engineRssBytes)),
      hostCost,
      hostMemoryBytes: options.hostMemoryBytes ?? null,
      containment: containmentText,
      chainRss: chainRssOf(maxByJob),
      liveGroupsAtEnd,
      reapedAtEnd,
      errors,
      ending,
      verdict,
      reasons,
      durationMs: Date.now() - started,
    };
  };

  const cannot = unsoakable(options.scenario);
  if (cannot !== null) return finish({ kind: "refused", reason: cannot });
  projection = projectPeak({
    jobs: options.jobs,
    concurrency: options.concurrency,
    chainBytes: estimate,
    // A fault switch is how a leak gets in; without one the engine is the gate's sound engine.
    assumeLeak: options.faults.length > 0,
    memAvailableBytes: options.readMemAvailable(),
    floorBytes: options.floorBytes,
  });
  // A --host-memory cgroup that fits above the floor caps the run itself: its OOM killer stops it first.
  const capped = options.hostMemoryBytes !== undefined && options.hostMemoryBytes <= projection.budgetBytes;
  if (!projection.fits && !options.force && !capped) {
    return finish({
      kind: "refused",
      reason:
        `the projected peak ${mib(projection.peakBytes).toFixed(0)} MiB (${projection.basis}: ` +
        `~${mib(estimate).toFixed(0)} MiB per job) does not fit in MemAvailable minus the floor, ` +
        `${mib(projection.budgetBytes).toFixed(0)} MiB; lower --jobs or --ballast-mb, or pass --force and let the floor stop the run`,
    });
  }

  const { engine, containment, close } = await startRunEngine(
    run,
    options.scenario,
    { ...options, ...(options.hostMemoryBytes === undefined ? {} : { memoryLimitBytes: options.hostMemoryBytes }) },
    "reapcheck-soak",
  );
  containmentText = containment.kind === "cgroup" ? "cgroup" : `tags only (${containment.reason})`;
  if (options.hostMemoryBytes !== undefined && containment.kind !== "cgroup") {
    await engine.stop();
    await close();
    return finish({ kind: "refused", reason: `--host-memory needs a memory cgroup, and ${containment.reason}` });
  }

  const sampler: SamplerInput = { run, enginePid: engine.current.pid, probe: options.probe, containment, readMemAvailable: options.readMemAvailable };
  let floorHit: SoakEnding | null = null;
  let halt: () => void = () => undefined;
  const halted = new Promise<void>((resolve) => (halt = resolve));
  const stopAtFloor = (memAvailableBytes: number): void => {
    if (floorHit !== null) return;
    floorHit = { kind: "memory-floor", afterJobs: jobsDone, memAvailableBytes };
    halt();
  };
  // Under --host-memory, the OOM killer is the event the soak is for: stop at the first kill and
  // name the victim.
  let lastSeen: ProcessInfo[] = [];
  const stopAtOom = async (): Promise<void> => {
    if (floorHit !== null || options.hostMemoryBytes === undefined || oomKills(containment) === 0) return;
    // The kernel's log names the victim; the last look gives its command line, where it saw it.
    const logged = oomVictim(containment);
    const seen = logged === null ? undefined : lastSeen.find((p) => p.pid === logged.pid);
    const victim = logged === null ? null : { args: seen?.args ?? logged.comm, rssBytes: logged.rssBytes };
    floorHit = { kind: "oom", afterJobs: jobsDone, limitBytes: options.hostMemoryBytes, victim };
    halt();
  };
  // The measured chain, once seen, replaces the estimate: real adapters differ from the guess.
  const passBytes = (): number => Math.max(estimate, shape.chains * (chainRssOf(maxByJob)?.medianBytes ?? 0));

  // Samples are taken one at a time, in order, so jobsDone never runs backwards along the series.
  let queue = Promise.resolve();
  const sample = (): Promise<void> =>
    (queue = queue.then(async () => {
      const jobsAtStart = jobsDone;
      await stopAtOom();
      const seen = await look(sampler);
      lastSeen = seen.processes;
      for (const [job, rss] of seen.rssByJob) maxByJob.set(job, Math.max(rss, maxByJob.get(job) ?? 0));
      const latest = { tMs: Date.now() - started, jobsDone: jobsAtStart, ...seen.sample };
      samples.push(latest);
      if (latest.memAvailableBytes < options.floorBytes) stopAtFloor(latest.memAvailableBytes);
      const fit = jobsDone >= 2 ? leastSquares(samples.map((s) => ({ x: s.jobsDone, y: mib(s.taggedRssBytes) }))) : null;
      options.onProgress?.({ jobs: options.jobs, latest, slopeMibPerJob: fit?.slope ?? null });
    }).catch((error: unknown) => {
      // A sample that cannot be taken ends the soak: memory it cannot see, it cannot guard.
      errors.push(`sampling failed: ${error instanceof Error ? error.message : String(error)}`);
    }));
  const timer = setInterval(() => void sample(), options.sampleIntervalMs);

  let next = 0;
  let inFlight = 0;
  const worker = async (): Promise<void> => {
    while (next < options.jobs && floorHit === null && errors.length === 0) {
      const memAvailable = options.readMemAvailable();
      if (wouldCrossFloor(memAvailable, (inFlight + 1) * passBytes(), options.floorBytes)) {
        stopAtFloor(memAvailable);
        return;
      }
      const index = next++;
      inFlight++;
      const jobs = passJobs(options.scenario, { run, index, ballastMb: options.ballastMb });
      const played = await playScenario(engine, jobs, options.scenario.actions, {
        jobTimeoutMs: options.jobTimeoutMs,
        halted,
        // unsoakable() turned away every scenario with an action on the engine as a whole.
        engineAction: (action) => Promise.reject(new Error(`${action.do} acts on the whole engine a soak shares`)),
      });
      const passErrors = [...played.problems, ...played.actionErrors];
      inFlight--;
      if (floorHit !== null) return;
      errors.push(...passErrors);
      jobsDone++;
      await sample();
    }
  };

  let ending: SoakEnding;
  try {
    // The first sample waits for the engine to answer, so its baseline is a started engine.
    const ready = await engine.request({ cmd: "state" });
    if (!ready.ok) throw new Error(`the engine did not start: ${ready.error}`);
    await sample();
    await Promise.all(Array.from({ length: Math.min(options.concurrency, options.jobs) }, worker));
    clearInterval(timer);
    if (floorHit === null) {
      // Releases run after job.terminal; give the last ones their grace before counting groups.
      const settled = await waitUntil(() => look(sampler), (seen) => seen.sample.liveGroups === 0, {
        deadlineMs: options.settleMs,
        intervalMs: 100,
      });
      liveGroupsAtEnd = settled.value.sample.liveGroups;
      await sample();
    }
    // At the floor the run stops without waiting for releases: what the last sample saw is left.
    if (floorHit !== null) liveGroupsAtEnd = samples.at(-1)?.liveGroups ?? 0;
    ending = floorHit ?? { kind: "finished" };
  } catch (caught) {
    ending = { kind: "error", message: caught instanceof Error ? caught.message : String(caught) };
  } finally {
    clearInterval(timer);
    await queue;
    await engine.stop();
    reapedAtEnd = (await reapRun(run, options.probe, groupsOf(engine.events))).length + (await reapCgroup(containment, options.probe)).length;
    await close();
  }
  if (ending.kind === "error") {
    const stderr = (await engine.current.exited).stderr.trim();
    if (stderr !== "") ending = { kind: "error", message: `${ending.message}\nengine stderr:\n${stderr}` };
  }
  return finish(ending);
}
