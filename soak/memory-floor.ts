// The soak must never starve its host: it refuses a run whose projected peak cannot fit above
// the floor, and stops spawning as soon as one more chain would push MemAvailable under it.
import { MiB } from "./byte-size.js";

/** Resident memory of one idle node process before any ballast: measured at 45-70 MB. */
export const NODE_BASELINE_BYTES = 60 * MiB;

/** What one adapter chain is expected to hold before the soak has measured one. */
export function chainEstimateBytes(processesPerChain: number, ballastMb: number): number {
  return processesPerChain * (ballastMb * MiB + NODE_BASELINE_BYTES);
}

export type ProjectionBasis =
  /** A fault switch is on: every job may leave its chain behind, so all of them add up. */
  | "every-job-leaks"
  /** The engine as built: only the chains of jobs in flight are alive at once. */
  | "in-flight-only";

export interface Projection {
  basis: ProjectionBasis;
  peakBytes: number;
  /** MemAvailable minus the floor: what the soak may use. */
  budgetBytes: number;
  fits: boolean;
}

export function projectPeak(input: {
  jobs: number;
  concurrency: number;
  chainBytes: number;
  assumeLeak: boolean;
  memAvailableBytes: number;
  floorBytes: number;
}): Projection {
  const basis: ProjectionBasis = input.assumeLeak ? "every-job-leaks" : "in-flight-only";
  const chains = input.assumeLeak ? input.jobs : Math.min(input.jobs, input.concurrency);
  const peakBytes = chains * input.chainBytes;
  const budgetBytes = input.memAvailableBytes - input.floorBytes;
  return { basis, peakBytes, budgetBytes, fits: peakBytes <= budgetBytes };
}

/** True when starting one more chain of this size would take MemAvailable under the floor. */
export function wouldCrossFloor(memAvailableBytes: number, nextChainBytes: number, floorBytes: number): boolean {
  return memAvailableBytes - nextChainBytes < floorBytes;
}
