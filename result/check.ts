// The invariants by name, and what one check of one of them found: the unit every writer reports.
import type { ProcessInfo } from "./process.js";

/** Checked for every job that ended, the outcome first. */
export const JOB_INVARIANTS = [
  "outcome",
  "released",
  "refs-drained",
  "no-surviving-group",
  "no-tagged-survivor",
  "no-stale-pidfile",
  "no-running-step",
  "workspace-removed",
  "no-premature-kill",
] as const;

/** Checked once per run: nothing that is not ours was signalled. */
export const RUN_INVARIANTS = ["no-foreign-kill"] as const;

export const INVARIANTS = [...JOB_INVARIANTS, ...RUN_INVARIANTS] as const;

export type InvariantName = (typeof INVARIANTS)[number];

export interface Check {
  invariant: InvariantName;
  job: string;
  ok: boolean;
  /** What was expected and what was seen, for a person. */
  detail: string;
  /** Processes the check blames (live) and zombies it saw but does not count as alive. */
  survivors: ProcessInfo[];
  zombies: ProcessInfo[];
}

export const pass = (invariant: InvariantName, job: string, detail: string): Check => ({
  invariant,
  job,
  ok: true,
  detail,
  survivors: [],
  zombies: [],
});

export const fail = (invariant: InvariantName, job: string, detail: string, survivors: ProcessInfo[] = [], zombies: ProcessInfo[] = []): Check => ({
  invariant,
  job,
  ok: false,
  detail,
  survivors,
  zombies,
});
