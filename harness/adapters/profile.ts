// What an adapter profile is: how to start an adapter the gate can drive, whether it can run here,
// and how each scenario runs on it. The profiles themselves are in registry.ts.
import type { AdapterLaunch } from "../../protocol/adapter-launch.js";
import type { StubTurn } from "./stub-turn.js";

export type ScenarioPlan =
  /**
   * Runs with every turn answered by the profile's local model stub this way; `unset` drops
   * variables the profile would set, to make the real adapter refuse for a real reason.
   */
  | { turn: StubTurn; unset?: readonly string[] }
  /** Cannot run on this adapter; the reason is printed as a skip. */
  | { skip: string };

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
  /** Processes in one chain, for the reader of a report. */
  chain: string[];
  available(): Availability;
  launch(): AdapterLaunch;
  /** This adapter's own plans for some scenarios, where its nature differs from the scenario file's real_adapters plan. */
  overrides?: LanePlan;
  /**
   * The least handshake timeout this adapter needs: a real CLI takes seconds to initialize, so a
   * scenario's short timeout (set for the fake's hang) must not fail a healthy real chain.
   */
  minHandshakeMs?: number;
  /** Sets up one run (a model stub answering turns this way, a temporary HOME); absent: nothing. */
  prepare?(turn: StubTurn): Promise<PreparedRun>;
}

