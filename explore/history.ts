// What a run did, as it did it: the commands with the job names they were given, and the end of
// the run. Printed for a counterexample and turned into a scenario file.
import type { FlowDocument } from "../protocol/flow-schema.js";

/**
 * What follows a command before its check: "idle" lets every job run until none is running, so a
 * failure shows at the command that caused it; "now" checks at once, and the jobs keep running
 * into the next command (a cancel or crash then meets them mid-flight).
 */
export type SettleMode = "idle" | "now";

export type HistoryEntry =
  | { do: "submit"; job: string; flow: FlowDocument; then: SettleMode }
  /** `paused`: the job was paused with nothing in flight when the command came. */
  | { do: "cancel" | "resume"; job: string; paused: boolean; then: SettleMode }
  | { do: "crash-restart"; then: SettleMode }
  | { do: "shutdown"; then: SettleMode }
  /** The run's end: every job left to stop running, then the paused ones cancelled. */
  | { do: "end"; cancelled: string[] };

function commandText(entry: Exclude<HistoryEntry, { do: "end" }>): string {
  switch (entry.do) {
    case "submit":
      return `submit ${entry.job} ${JSON.stringify(entry.flow)}`;
    case "cancel":
    case "resume":
      return `${entry.do} ${entry.job}${entry.paused ? " (paused)" : ""}`;
    case "crash-restart":
      return "crash-restart (SIGKILL the engine, start it again on the same state)";
    case "shutdown":
      return "shutdown (graceful, then a new engine on the same state)";
  }
}

export function formatEntry(entry: HistoryEntry): string {
  if (entry.do === "end") {
    return `end: wait until no job runs${entry.cancelled.length > 0 ? `, cancel paused ${entry.cancelled.join(", ")}` : ""}`;
  }
  return `${commandText(entry)}${entry.then === "idle" ? ", then wait until no job runs" : ""}`;
}
