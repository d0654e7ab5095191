// How the engine starts an adapter: a command per profile, plus the agent's behaviour knobs as
// environment variables (real adapters ignore them; the fake chain reads them).
import type { AgentBehaviour, AgentSpec } from "./model.js";

export interface AdapterLaunch {
  command: string;
  args: string[];
  env: Record<string, string>;
}

export type AdapterProfiles = Record<string, AdapterLaunch>;

export const BEHAVIOUR_ENV = {
  ballastMb: "FAKE_ACP_BALLAST_MB",
  latencyMs: "FAKE_ACP_LATENCY_MS",
  ignoreSigterm: "FAKE_ACP_IGNORE_SIGTERM",
  handshake: "FAKE_ACP_HANDSHAKE",
  escape: "FAKE_ACP_ESCAPE",
} as const;

export function behaviourEnv(b: AgentBehaviour): Record<string, string> {
  return {
    [BEHAVIOUR_ENV.ballastMb]: String(b.ballastMb),
    [BEHAVIOUR_ENV.latencyMs]: String(b.latencyMs),
    [BEHAVIOUR_ENV.ignoreSigterm]: b.ignoreSigterm ? "1" : "0",
    [BEHAVIOUR_ENV.handshake]: b.handshake,
    [BEHAVIOUR_ENV.escape]: b.escape,
  };
}

/** Two steps share an adapter process exactly when their agent configs are equal. */
export function poolKey(spec: AgentSpec): string {
  return JSON.stringify([spec.profile, spec.model, [...spec.tools].sort(), [...spec.allowedPaths].sort(), spec.behaviour]);
}
