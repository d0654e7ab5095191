// What an adapter profile is: how to start an adapter the gate can drive, whether it can run here,
// and how each scenario runs on it. The profiles themselves are in registry.ts.
import type { AdapterLaunch } from "../../protocol/adapter-launch.js";
import type { StubScript, StubTurn } from "./stub-turn.js";

export type ScenarioPlan =
  /**
   * Runs with its turns answered by the profile's local model stub: `turn` unless a `byPrompt`
   * rule picks otherwise. `unset` drops variables the profile would set, to make the real
   * adapter refuse for a real reason. The rest is misbehaviour made from outside the chain, so
   * every real adapter gets it: `crash` SIGKILLs a part of the chain mid-turn, `escape` starts
   * a child of one of the kinds CLIs start, beside it.
   */
  | RealPlan
  /** Cannot run on this adapter; the reason is printed as a skip. */
  | { skip: string };

export interface RealPlan extends StubScript {
  turn: StubTurn;
  unset?: readonly string[];
  crash?: ChainPart;
  escape?: Escape;
}

/** A child started beside a real chain, from outside it (see misbehaviour.ts). */
export type Escape = "setsid" | "untagged" | "env-cleared" | "hidden";

/** A part of a chain a crash kills: the process speaking ACP, or the agent CLI it drives. */
export type ChainPart = "adapter" | "cli";

export type LanePlan = Readonly<Record<string, ScenarioPlan>>;

/** What a profile set up for one scenario run: extra adapter env, torn down after the run. */
export interface PreparedRun {
  env: Record<string, string>;
  dispose(): Promise<void>;
}

export type Availability = { ok: true } | { ok: false; reason: string };

export interface AdapterProfile {
  name: string;
  summary: string;
  /** Processes in one chain, root first, each the parent of the next, for the reader of a report. */
  chain: string[];
  /** Where in `chain` each part a crash can kill is (the fake: agent 1, cli 2). */
  parts: Readonly<Record<ChainPart, number>>;
  available(): Availability;
  launch(): AdapterLaunch;
  /** This adapter's own plans for some scenarios, where its nature differs from the scenario file's real_adapters plan. */
  overrides?: LanePlan;
  /**
   * The least handshake timeout this adapter needs: a real CLI takes seconds to initialize, so a
   * scenario's short timeout (set for the fake's hang) must not fail a healthy real chain.
   */
  minHandshakeMs?: number;
  /** Sets up one run (a model stub answering turns by this script, a temporary HOME); absent: nothing. */
  prepare?(script: StubScript): Promise<PreparedRun>;
}

