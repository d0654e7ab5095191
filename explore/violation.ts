// A failed invariant, thrown out of a command so fast-check sees the run fail and shrinks it.
import type { Check } from "../result/check.js";

export class InvariantViolation extends Error {
  constructor(readonly checks: readonly Check[]) {
    super(checks.map((c) => `✗ ${c.invariant} [job ${c.job}]: ${c.detail}`).join("\n"));
  }
}

/** The invariants whose verdict is final once no release is under way: no need to wait them out. */
export const FINAL_WHEN_QUIET: ReadonlySet<string> = new Set(["outcome", "released", "no-running-step", "no-premature-kill"]);
