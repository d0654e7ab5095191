// The fake ACP adapter: a real ACP agent over stdio, built on the SDK. A prompt's text may carry
// per-turn behaviours: "[crash]" ends the adapter mid-turn, "[fail]" answers with an error.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { Readable, Writable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { PROTOCOL_VERSION, RequestError, agent, ndJsonStream } from "@agentclientprotocol/sdk";
import type { AgentBehaviour } from "../../../protocol/model.js";
import { holdBallast, readKnobs, stayAlive } from "./knobs.js";
import { type Launch, argv0Of, perlWaiter } from "./perl-waiter.js";

/** The CLI's command: the perl waiter where it has only to wait, node running cli.js otherwise. */
function cliCommand(knobs: AgentBehaviour, cliPath: string): Launch {
  return (knobs.escape === "none" ? perlWaiter(knobs, "fake-cli") : null) ?? { command: process.execPath, args: [cliPath] };
}

/** Runs the agent in this process, with `cliPath` as the CLI it drives. */
export function runAgent(cliPath: string): void {
  const knobs = readKnobs(process.env);
  holdBallast(knobs.ballastMb);
  const command = cliCommand(knobs, cliPath);
  const cli = spawn(command.command, command.args, { stdio: ["ignore", "pipe", "inherit"], ...argv0Of(command) });
  const cliReady = new Promise((resolve) => cli.stdout.once("data", resolve));
  stayAlive(knobs);

  if (knobs.handshake === "garbage") {
    process.stdout.write("this is not JSON-RPC\n{\"half\": \n");
  } else {
    const turns = new Map<string, AbortController>();
    const stream = ndJsonStream(
      Writable.toWeb(process.stdout) as WritableStream<Uint8Array>,
      Readable.toWeb(process.stdin) as ReadableStream<Uint8Array>,
    );
    agent({ name: "reapcheck-fake-agent" })
      .onRequest("initialize", async () => {
        if (knobs.handshake === "hang") await new Promise<never>(() => undefined);
        return { protocolVersion: PROTOCOL_VERSION, agentCapabilities: {} };
      })
      .onRequest("session/new", async () => {
        await cliReady;
        if (knobs.handshake === "error-session-new") throw RequestError.internalError(undefined, "fake: session/new refused");
        return { sessionId: randomUUID() };
      })
      .onRequest("session/prompt", async ({ params, client }) => {
        const text = params.prompt.map((block) => (block.type === "text" ? block.text : "")).join("");
        const turn = new AbortController();
        turns.set(params.sessionId, turn);
        try {
          await sleep(knobs.latencyMs, undefined, { signal: turn.signal });
        } catch {
          return { stopReason: "cancelled" as const };
        } finally {
          turns.delete(params.sessionId);
        }
        if (text.includes("[crash]")) process.exit(70);
        if (text.includes("[fail]")) throw RequestError.internalError(undefined, "fake: the turn failed");
        await client.notify("session/update", {
          sessionId: params.sessionId,
          update: { sessionUpdate: "agent_message_chunk", content: { type: "text", text: `ok: ${text}` } },
        });
        return { stopReason: "end_turn" as const };
      })
      .onNotification("session/cancel", ({ params }) => {
        turns.get(params.sessionId)?.abort();
      })
      .connect(stream);
  }
}
