// The named faults of the protocol: each brings back one known bug, so the harness can prove it
// sees it. An engine implements the ones it can and lists them in its hello.
import { type TerminalOutcome, unreachable } from "./model.js";
import { InputError } from "./input-error.js";

export const FAULTS = {
  "complete-skips-release": "a job that completes is not released",
  "settle-skips-release": "a job whose runs settle without reaching a terminal step is not released",
  "halt-skips-release": "a job halted by a failed step is not released",
  "fail-route-abandon-skips-release": "a job abandoned by failure routing is not released",
  "exit-abandon-skips-release": "a job abandoned by an exit rule is not released (the reference report's bug)",
  "cancel-skips-release": "a cancelled job is not released",
  "timeout-skips-release": "a job failed by a step timeout is not released",
  "sub-job-skips-release": "a job halted by a failed sub-job is not released",
  "restart-skips-release": "a job stranded by an engine crash is not released after the restart",
  "shutdown-skips-release": "graceful shutdown releases nothing and leaves its adapters behind",
  "kill-pid-not-group": "an adapter is killed by pid, not by process group: the chain's children survive",
  "no-sigkill-escalation": "an adapter gets SIGTERM only: one that ignores it lives on",
  "abandon-leaves-inflight-runs": "sibling runs stay running under an abandoned job",
  "pidfile-left-behind": "an adapter's pid file outlives the adapter",
  "double-release": "a job is released twice",
  "refcount-ignored": "a shared adapter is killed while another live job still uses it",
  "kill-ignores-escapes": "an adapter's descendants that left its process group are not swept by tag",
  "no-boot-sweep": "orphans of a crashed engine survive the restart",
  "sweep-ignores-identity": "the boot sweep signals a pid from a pid file without checking it is still ours",
} as const;

export type Fault = keyof typeof FAULTS;

export class UnknownFaultError extends InputError {}

export function isFault(name: string): name is Fault {
  return Object.hasOwn(FAULTS, name);
}

export function parseFaults(names: readonly string[]): Fault[] {
  return names.map((name) => {
    if (!isFault(name)) {
      throw new UnknownFaultError(
        `unknown fault "${name}"; known faults: ${Object.keys(FAULTS).join(", ")}`,
      );
    }
    return name;
  });
}

/** The fault that makes this terminal path forget to release. */
export function releaseFaultFor(outcome: TerminalOutcome): Fault {
  switch (outcome.kind) {
    case "completed":
      return "complete-skips-release";
    case "no_terminal_reached":
      return "settle-skips-release";
    case "step_failed":
      return "halt-skips-release";
    case "abandoned":
      return outcome.via === "exit_rule"
        ? "exit-abandon-skips-release"
        : "fail-route-abandon-skips-release";
    case "cancelled":
      return "cancel-skips-release";
    case "timeout":
      return "timeout-skips-release";
    case "shutdown":
      return "shutdown-skips-release";
    case "sub_job_failed":
      return "sub-job-skips-release";
    case "engine_restarted":
      return "restart-skips-release";
    default:
      return unreachable(outcome);
  }
}
