// What a job can hold, and how it is given back. The ledger is the seed's `released_jobs`.

export interface ResourceManager {
  readonly name: string;
  /** Every releaseForJob call, in order; a job must appear exactly once. */
  readonly releasedJobs: readonly string[];
  releaseForJob(jobId: string): Promise<void>;
  releaseAll(): Promise<void>;
}
