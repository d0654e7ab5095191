// The adapter profiles the gate knows, by name.
import { compiled } from "../compiled-paths.js";
import { claudeAgentAcpProfile } from "./claude-agent-acp.js";
import { codexAcpProfile } from "./codex-acp.js";
import { geminiProfile } from "./gemini.js";
import type { AdapterProfile } from "./profile.js";
import { InputError } from "../../protocol/input-error.js";

export const fakeProfile: AdapterProfile = {
  name: "fake",
  summary: "a real ACP agent on @agentclientprotocol/sdk, in the 3-process shape of npm exec → adapter → CLI",
  chain: ["wrapper (npm exec)", "agent (ACP adapter)", "cli (agent CLI)"],
  parts: { adapter: 1, cli: 2 },
  available: () => ({ ok: true }),
  launch: () => ({ command: process.execPath, args: [compiled("harness/adapters/fake/wrapper.js")], env: {} }),
};

export const PROFILES: Readonly<Record<string, AdapterProfile>> = {
  fake: fakeProfile,
  [claudeAgentAcpProfile.name]: claudeAgentAcpProfile,
  [geminiProfile.name]: geminiProfile,
  [codexAcpProfile.name]: codexAcpProfile,
};

export class UnknownAdapterError extends InputError {}

export function profileNamed(name: string): AdapterProfile {
  const profile = PROFILES[name];
  if (profile === undefined) {
    throw new UnknownAdapterError(`unknown adapter "${name}"; known adapters: ${Object.keys(PROFILES).join(", ")}`);
  }
  return profile;
}
