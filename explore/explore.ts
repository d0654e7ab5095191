// Model-based exploration: fast-check draws command sequences (fc.commands), runs each against a
// fresh engine with the fake adapter, and shrinks the first that breaks an invariant to the
// smallest that still does. The shrunk case is then run once more to record how its jobs end.
// Histories are independent runs (an engine, a cgroup and tags each), so a few are run at once,
// each stream from a seed of its own; the first to fail is shrunk alone.
import fc from "fast-check";
import { type ExploreMove, movesArbitrary } from "./moves.js";
import { DEFAULT_LIMITS, type Limits } from "./model.js";
import { type ReplayToken, formatReplay } from "./replay-token.js";
import { type RunRecord, playMoves } from "./play-moves.js";
import type { SystemOptions } from "./system.js";
import type { Fault } from "../protocol/faults.js";
import type { Probe } from "../harness/probes/probe.js";

/** What `reapcheck explore` runs with when told nothing else. */
export const EXPLORE_DEFAULTS = { runs: 200, concurrency: 2, maxCommands: 6, deadlineMs: 1_500, drainMs: 20_000, killGraceMs: 500, out: "reapcheck-explore" } as const;

export interface ExploreOptions extends SystemOptions {
  runs: number;
  seed: number;
  /**
   * Histories run at once: stream i draws from seed + i, so a seed gives the same histories for
   * the same concurrency (a fixed default, not the machine's cores, so that it travels).
   */
  concurrency: number;
  limits: Limits;
  maxCommands: number;
  /** Replays one counterexample instead of exploring. */
  replay: ReplayToken | null;
  /** Sees every run, the shrinking ones included. */
  onRun?: (failed: boolean) => void;
}

export type ExploreResult =
  | { kind: "clean"; seed: number; runs: number }
  | {
      kind: "found";
      seed: number;
      /** `<seed>:<path>~<replayPath>` for --replay; `seed` is the failing stream's. */
      replay: string;
      /** Histories run until the first failure (in every stream), and shrink steps taken after it. */
      runs: number;
      shrinks: number;
      /** The violation as the shrunk case showed it. */
      violation: string;
      /** The shrunk case run once more; null `failure` means it did not fail again. */
      recorded: RunRecord;
    };

/** A history's verdict, with which of its commands ran (their preconditions held). */
interface HistoryVerdict {
  failure: unknown;
  ran: boolean[];
}

/**
 * fc.commands shrinks a failing history by the commands that ran, which it marks on its own
 * command wrappers (`hasRan`) as they run. A reused verdict marks them as its run did.
 */
type Marked = { hasRan?: boolean };

function restoreRan(commands: Iterable<ExploreMove>, ran: readonly boolean[]): void {
  [...commands].forEach((command, i) => ((command as Marked).hasRan = ran[i] ?? false));
}

async function runOnce(commands: Iterable<ExploreMove>, options: ExploreOptions): Promise<HistoryVerdict> {
  const record = await playMoves(commands, options);
  options.onRun?.(record.failure !== null);
  return { failure: record.failure, ran: [...commands].map((command) => (command as Marked).hasRan === true) };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A run of `runs` histories from `seed` with every other option as `reapcheck explore` defaults it. */
export function exploreOptions(runs: number, seed: number, faults: readonly Fault[], probe: Probe): ExploreOptions {
  return {
    runs,
    seed,
    concurrency: EXPLORE_DEFAULTS.concurrency,
    faults: [...faults],
    replay: null,
    limits: DEFAULT_LIMITS,
    maxCommands: EXPLORE_DEFAULTS.maxCommands,
    probe,
    deadlineMs: EXPLORE_DEFAULTS.deadlineMs,
    drainMs: EXPLORE_DEFAULTS.drainMs,
    killGraceMs: EXPLORE_DEFAULTS.killGraceMs,
  };
}

/** Runs of one stream: `runs` shared out, the first streams taking one more where it does not divide. */
function share(runs: number, streams: number, i: number): number {
  return Math.floor(runs / streams) + (i < runs % streams ? 1 : 0);
}

export async function explore(options: ExploreOptions): Promise<ExploreResult> {
  // Shrinking often draws a history already run: a draft field the flow does not use was shrunk,
  // and the flow document is the same. Such a history is not run again: its verdict is reused.
  const verdicts = new Map<string, HistoryVerdict>();
  // The first stream to fail; the others then pass the rest of their draws without running them.
  let failing = null as number | null;
  let explored = 0;
  let runsToFailure = 0;
  const property = (stream: number) =>
    fc.asyncProperty(movesArbitrary(options.limits, options.maxCommands, options.replay?.replayPath ?? undefined), async (commands) => {
      if (failing !== null && failing !== stream) return;
      const key = [...commands].map(String).join("\n");
      let verdict = verdicts.get(key);
      if (verdict === undefined) {
        verdict = await runOnce(commands, options);
        if (failing === null) explored++;
      }
      verdicts.set(key, verdict);
      restoreRan(commands, verdict.ran);
      if (verdict.failure === null) return;
      if (failing === null) {
        failing = stream;
        runsToFailure = explored;
      }
      throw verdict.failure;
    });
  const replay = options.replay;
  const streams = replay === null ? Math.max(1, Math.min(options.concurrency, options.runs)) : 1;
  const all = await Promise.all(
    Array.from({ length: streams }, (_, i) =>
      fc.check(
        property(i),
        replay === null ? { numRuns: share(options.runs, streams, i), seed: options.seed + i } : { seed: replay.seed, path: replay.path, endOnFailure: true },
      ),
    ),
  );
  const details = failing === null ? undefined : all[failing];
  if (details === undefined || !details.failed || details.counterexample === null) {
    return { kind: "clean", seed: replay?.seed ?? options.seed, runs: all.reduce((sum, d) => sum + d.numRuns, 0) };
  }
  const commands = details.counterexample[0];
  const replayPath = /replayPath="([^"]*)"/.exec(String(commands))?.[1] ?? null;
  const recorded = await playMoves([...commands] as ExploreMove[], options, true);
  return {
    kind: "found",
    seed: details.seed,
    replay: formatReplay({ seed: details.seed, path: details.counterexamplePath ?? "0", replayPath }),
    runs: runsToFailure,
    shrinks: details.numShrinks,
    violation: messageOf(recorded.failure ?? details.errorInstance),
    recorded,
  };
}
