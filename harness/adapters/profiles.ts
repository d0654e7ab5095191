// Adapter profiles: how to start each adapter the gate can drive, and whether it can run here.
import type { AdapterLaunch } from "../../engine/adapter-launch.js";
import { compiled } from "../compiled-paths.js";

export type Availability = { ok: true } | { ok: false; reason: string };

export interface AdapterProfile {
  name: string;
  summary: string;
  /** Processes in one chain, for the reader of a report. */
  chain: string[];
  available(): Availability;
  launch(): AdapterLaunch;
}

export const fakeProfile: AdapterProfile = {
  name: "fake",
  summary: "a real ACP agent on @agentclientprotocol/sdk, in the 3-process shape of npm exec → adapter → CLI",
  chain: ["wrapper (npm exec)", "agent (ACP adapter)", "cli (agent CLI)"],
  available: () => ({ ok: true }),
  launch: () => ({ command: process.execPath, args: [compiled("harness/adapters/fake/wrapper.js")], env: {} }),
};

export const PROFILES: Readonly<Record<string, AdapterProfile>> = { fake: fakeProfile };

export class UnknownAdapterError extends Error {}

export function profileNamed(name: string): AdapterProfile {
  const profile = PROFILES[name];
  if (profile === undefined) {
    throw new UnknownAdapterError(`unknown adapter "${name}"; known adapters: ${Object.keys(PROFILES).join(", ")}`);
  }
  return profile;
}
