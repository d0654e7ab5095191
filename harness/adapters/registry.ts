// The adapter profiles the gate knows, by name.
import { BEHAVIOUR_ENV } from "../../protocol/adapter-launch.js";
import { CA_BUNDLE_ENV } from "../ca-bundle-env.js";
import { compiled } from "../compiled-paths.js";
import { snapshotArgs } from "../startup-snapshot.js";
import { claudeAgentAcpProfile } from "./claude-agent-acp.js";
import { codexAcpProfile } from "./codex-acp.js";
import { geminiProfile } from "./gemini.js";
import type { AdapterProfile } from "./profile.js";
import { InputError } from "../../protocol/input-error.js";

/**
 * Stands for `npm exec`, which runs its bin through `sh -c` and waits: a launcher in front of the
 * adapter, in its group, that a signal to its pid alone kills without the rest. A shell, not node:
 * it is a sixth of a fake chain's start-up CPU otherwise, and it holds no ballast. The chain opens
 * no TLS connection, so its node processes start without the CA bundle, whichever engine starts it.
 */
const FAKE_WRAPPER = `[ "$${BEHAVIOUR_ENV.ignoreSigterm}" = 1 ] && trap '' TERM; unset NODE_OPTIONS ${CA_BUNDLE_ENV}; "$@"; exit $?`;

/**
 * The agent starts from its startup snapshot when the build made one for this node: most of a
 * fake chain's start-up CPU is the SDK and zod loading. V8 flags in NODE_OPTIONS would make node
 * refuse the blob, and the fake chain needs none, so the wrapper clears them.
 */
function fakeAgentArgs(): string[] {
  return snapshotArgs(compiled("harness/adapters/fake/agent-snapshot.js")) ?? [compiled("harness/adapters/fake/agent.js")];
}

export const fakeProfile: AdapterProfile = {
  name: "fake",
  summary: "a real ACP agent on @agentclientprotocol/sdk, in the 3-process shape of npm exec → adapter → CLI",
  chain: ["wrapper (sh, for npm exec)", "agent (ACP adapter)", "cli (agent CLI)"],
  parts: { adapter: 1, cli: 2 },
  available: () => ({ ok: true }),
  launch: () => ({ command: "sh", args: ["-c", FAKE_WRAPPER, "fake-wrapper", process.execPath, ...fakeAgentArgs()], env: {} }),
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
