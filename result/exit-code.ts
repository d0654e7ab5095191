// The one map from what a run found to the exit code a CI acts on.
import type { Verdict } from "./result.js";

export const EXIT = {
  /** Every invariant held. */
  pass: 0,
  /** An invariant failed: a leak, or a fault caught. */
  fail: 1,
  /** Bad input, or the run could not happen (an engine that does not speak the protocol). */
  input: 2,
  /** A bug of reapcheck's own; its stack is printed. */
  bug: 3,
} as const;

export function exitCodeFor(verdict: Verdict): number {
  switch (verdict) {
    case "pass":
      return EXIT.pass;
    case "fail":
      return EXIT.fail;
    case "error":
      return EXIT.input;
  }
}
