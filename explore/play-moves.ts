// One explored run: a fresh engine, the moves in order (each checked), the run's end (checked
// too), then the engine stopped and anything still tagged with the run reaped and reported.
import fc from "fast-check";
import type { Expectation } from "../harness/scenario.js";
import type { ExploreMove } from "./moves.js";
import type { HistoryEntry } from "./history.js";
import { type Limits, initialModel } from "./model.js";
import { ExploreSystem, type SystemOptions } from "./system.js";

export interface RunRecord {
  history: HistoryEntry[];
  /** How each job ended, by name. */
  outcomes: Map<string, Expectation>;
  /** The first violation or error; null when every check held. */
  failure: unknown;
}

/**
 * `record`: after a failure, let the jobs end anyway (unchecked), so the record knows how every
 * job ends; a scenario file needs that. Exploring skips it: a failure is all a shrink step needs.
 */
export async function playMoves(commands: Iterable<ExploreMove>, options: SystemOptions & { limits: Limits }, record = false): Promise<RunRecord> {
  const system = await ExploreSystem.start(options);
  const model = initialModel(options.limits);
  let failure: unknown = null;
  try {
    await fc.asyncModelRun(() => ({ model, real: system }), commands);
    await system.end(model, true);
  } catch (error) {
    failure = error;
    if (record) await system.end(model, false).catch(() => undefined);
  }
  const reaped = await system.close();
  if (failure === null && reaped.length > 0) failure = ExploreSystem.leftBehind(reaped);
  return { history: system.history, outcomes: system.outcomes, failure };
}
