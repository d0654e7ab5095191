// Adapter profiles: how to start each adapter the gate can drive, and whether it can run here.
import type { AdapterLaunch } from "../../protocol/adapter-launch.js";
import { compiled } from "../compiled-paths.js";
import { claudeAgentAcpProfile } from "./claude-agent-acp.js";
import { geminiProfile } from "./gemini.js";
import type { LanePlan, PreparedRun } from "./lane.js";
import type { StubTurn } from "./model-stub-server.js";

export type Availability = { ok: true } | { ok: false; reason: string };

export interface AdapterProfile {
  name: string;
  summary: string;
  /** Processes in one chain, for the reader of a report. */
  chain: string[];
  available(): Availability;
  launch(): AdapterLaunch;
  /** How each scenario runs on this adapter (harness/adapters/lane.ts); absent: all as written. */
  plan?: LanePlan;
  /**
   * The least handshake timeout this adapter needs: a real CLI takes seconds to initialize, so a
   * scenario's short timeout (set for the fake's hang) must not fail a healthy real chain.
   */
  minHandshakeMs?: number;
  /** Sets up one run (a model stub answering turns this way, a temporary HOME); absent: nothing. */
  prepare?(turn: StubTurn): Promise<PreparedRun>;
}

export const fakeProfile: AdapterProfile = {
  name: "fake",
  summary: "a real ACP agent on @agentclientprotocol/sdk, in the 3-process shape of npm exec → adapter → CLI",
  chain: ["wrapper (npm exec)", "agent (ACP adapter)", "cli (agent CLI)"],
  available: () => ({ ok: true }),
  launch: () => ({ command: process.execPath, args: [compiled("harness/adapters/fake/wrapper.js")], env: {} }),
};

export const PROFILES: Readonly<Record<string, AdapterProfile>> = {
  fake: fakeProfile,
  [claudeAgentAcpProfile.name]: claudeAgentAcpProfile,
  [geminiProfile.name]: geminiProfile,
};

export class UnknownAdapterError extends Error {}

export function profileNamed(name: string): AdapterProfile {
  const profile = PROFILES[name];
  if (profile === undefined) {
    throw new UnknownAdapterError(`unknown adapter "${name}"; known adapters: ${Object.keys(PROFILES).join(", ")}`);
  }
  return profile;
}
