// A counterexample for a person: the shrunk history, what it broke, and how to run it again.
import { dirname } from "node:path";
import type { ExploreResult } from "./explore.js";
import { formatEntry } from "./history.js";

export interface FindingLinks {
  faults: readonly string[];
  /** Flags the replay needs besides the token and faults: the same shape of history. */
  shapeFlags: string;
  /** The scenario file written for it, or why none was. */
  scenario: { file: string; id: string } | { error: string };
}

export function findingText(found: Extract<ExploreResult, { kind: "found" }>, links: FindingLinks): string {
  const faultFlags = links.faults.map((f) => ` --fault ${f}`).join("");
  const lines = [
    `reapcheck explore: counterexample found in run ${found.runs}, shrunk in ${found.shrinks} step(s) (seed ${found.seed})`,
    "history:",
    ...found.recorded.history.map((entry, i) => `  ${i + 1}. ${formatEntry(entry)}`),
    "violated:",
    ...found.violation.split("\n").map((line) => `  ${line}`),
  ];
  if (found.recorded.failure === null) {
    lines.push("  (the shrunk history passed when run once more: the failure depends on timing)");
  }
  lines.push(`replay:   npx reapcheck explore --replay ${found.replay} ${links.shapeFlags}${faultFlags}`);
  const scenario = links.scenario;
  lines.push(
    "file" in scenario
      ? `scenario: ${scenario.file}\n          npx reapcheck gate --scenarios ${dirname(scenario.file)} --only ${scenario.id}${faultFlags}`
      : `scenario: not written: ${scenario.error}`,
  );
  return lines.join("\n");
}
