// A recorded counterexample as a scenario file the gate can run from then on. Scenario files
// submit every job at the start and order actions by triggers and delays, so the file replays the
// history's shape: exact for short histories like shrunk ones, an approximation for long ones
// (a later submit becomes an early one; "wait until no job runs" becomes a delay or a pause).
import { stringify } from "yaml";
import { type Scenario, parseScenario } from "../harness/scenario.js";
import type { HistoryEntry } from "./history.js";
import type { RunRecord } from "./play-moves.js";

/** Untriggered actions start together; this keeps them in the history's order. */
const ORDER_DELAY_MS = 100;

type ActionDoc = Record<string, unknown>;

function actionsOf(history: readonly HistoryEntry[]): ActionDoc[] {
  const actions: ActionDoc[] = [];
  const onPause = new Set<string>();
  let untriggered = 0;
  const inOrder = (action: ActionDoc): ActionDoc => {
    const delay = untriggered++ * ORDER_DELAY_MS;
    return delay === 0 ? action : { ...action, delay_ms: delay };
  };
  for (const entry of history) {
    switch (entry.do) {
      case "submit":
        break;
      case "cancel":
      case "resume":
        if (entry.paused) {
          onPause.add(entry.job);
          actions.push({ when: { event: "job.paused", job: entry.job }, do: entry.do, job: entry.job });
        } else {
          actions.push(inOrder({ do: entry.do, job: entry.job }));
        }
        break;
      case "crash-restart":
      case "shutdown":
        actions.push(inOrder({ do: entry.do }));
        break;
      case "end":
        // A second action on the same pause would race the first.
        for (const job of entry.cancelled.filter((j) => !onPause.has(j))) {
          actions.push({ when: { event: "job.paused", job }, do: "cancel", job });
        }
        break;
    }
  }
  return actions;
}

/** The file's text, validated by loading it back as the gate would. */
export function scenarioText(id: string, record: RunRecord, origin: { violation: string; faults: readonly string[]; replay: string }): { text: string; scenario: Scenario } {
  const jobs = record.history.flatMap((e) => (e.do === "submit" ? [{ id: e.job, flow: e.flow }] : []));
  const expect = Object.fromEntries(
    jobs.map((job) => {
      const outcome = record.outcomes.get(job.id);
      if (outcome === undefined) throw new Error(`the recorded run never saw job ${job.id} end`);
      return [job.id, outcome];
    }),
  );
  const faults = origin.faults.length > 0 ? ` with ${origin.faults.join(", ")}` : "";
  const document = {
    id,
    // "✗ released [job j1]": the first failed invariant, without its detail.
    title: `found by reapcheck explore${faults}: ${origin.violation.split("\n")[0]?.split(": ")[0]}`,
    description: `Shrunk by reapcheck explore; replay it with: npx reapcheck explore --replay ${origin.replay}${origin.faults.map((f) => ` --fault ${f}`).join("")}`,
    jobs,
    actions: actionsOf(record.history),
    expect,
  };
  const text = stringify(document, { lineWidth: 0 });
  return { text, scenario: parseScenario(text, `${id}.yaml`) };
}
