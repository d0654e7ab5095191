// How the fake chain learns its behaviour: the engine's BEHAVIOUR_ENV, read once at start.
import { BEHAVIOUR_ENV } from "../../../protocol/adapter-launch.js";
import type { AgentBehaviour, EscapeBehaviour, HandshakeBehaviour } from "../../../protocol/model.js";

const HANDSHAKES: readonly HandshakeBehaviour[] = ["ok", "hang", "garbage", "error-session-new"];
const ESCAPES: readonly EscapeBehaviour[] = ["none", "setsid", "double-fork", "untagged", "hidden", "env-cleared"];

export function readKnobs(env: NodeJS.ProcessEnv): AgentBehaviour {
  const handshake = env[BEHAVIOUR_ENV.handshake] ?? "ok";
  const escape = env[BEHAVIOUR_ENV.escape] ?? "none";
  return {
    ballastMb: Number(env[BEHAVIOUR_ENV.ballastMb] ?? 0),
    latencyMs: Number(env[BEHAVIOUR_ENV.latencyMs] ?? 0),
    ignoreSigterm: env[BEHAVIOUR_ENV.ignoreSigterm] === "1",
    handshake: HANDSHAKES.find((h) => h === handshake) ?? "ok",
    escape: ESCAPES.find((e) => e === escape) ?? "none",
  };
}

/** Memory a process holds for real: written pages, so it shows in RSS, not just in VSZ. */
const held: Buffer[] = [];

export function holdBallast(mb: number): void {
  if (mb > 0) held.push(Buffer.alloc(mb * 1024 * 1024, 0xa5));
}

/** Keeps a process alive until a signal ends it, as an agent CLI waiting for work does. */
export function stayAlive(knobs: AgentBehaviour): void {
  if (knobs.ignoreSigterm) process.on("SIGTERM", () => undefined);
  setInterval(() => undefined, 1 << 30);
}
