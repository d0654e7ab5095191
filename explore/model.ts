// The explorer's model of one run: the jobs it submitted, what each was last seen doing, and what
// the model says each must end as. Preconditions read it, so a command with nothing to act on is
// skipped; fast-check's replay path records which commands ran, so a replay runs the same ones.
import type { Expectation } from "../harness/scenario.js";

/** "paused" means paused with no step run in flight: a job that cannot move on its own. */
export type Seen = "running" | "paused" | "terminal" | "gone";

export interface JobModel {
  name: string;
  seen: Seen;
  /** How the job must end, where the model knows for sure; null where the engine decides. */
  expect: Expectation | null;
}

export interface Limits {
  /** Jobs submitted per run. */
  maxJobs: number;
  /** Engine crashes and shutdowns per run: each costs a new engine process. */
  maxRestarts: number;
}

export interface ExploreModel {
  jobs: JobModel[];
  restartsLeft: number;
}

export const DEFAULT_LIMITS: Limits = { maxJobs: 3, maxRestarts: 1 };

export function initialModel(limits: Limits): ExploreModel {
  return { jobs: [], restartsLeft: limits.maxRestarts };
}

/** A job that cannot move on its own ends the way the command that ends it says. */
export function expectIfPaused(job: JobModel, expectation: Expectation): void {
  if (job.seen === "paused" && job.expect === null) job.expect = expectation;
}
