// The engine's side of one ACP connection, over an adapter's stdio.
import type { Readable, Writable } from "node:stream";
import { Readable as NodeReadable, Writable as NodeWritable } from "node:stream";
import { PROTOCOL_VERSION, client, ndJsonStream, type ClientConnection } from "@agentclientprotocol/sdk";

export class AcpTimeoutError extends Error {}

function withTimeout<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AcpTimeoutError(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface TurnResult {
  text: string;
  stopReason: string;
}

export class AcpClient {
  private readonly replies = new Map<string, string[]>();
  private readonly connection: ClientConnection;

  constructor(stdin: Writable, stdout: Readable) {
    const stream = ndJsonStream(
      NodeWritable.toWeb(stdin) as WritableStream<Uint8Array>,
      NodeReadable.toWeb(stdout) as ReadableStream<Uint8Array>,
    );
    this.connection = client({ name: "reapcheck-engine" })
      .onNotification("session/update", ({ params }) => {
        const update = params.update;
        if (update.sessionUpdate === "agent_message_chunk" && update.content.type === "text") {
          this.replies.get(params.sessionId)?.push(update.content.text);
        }
      })
      .onRequest("session/request_permission", () => ({ outcome: { outcome: "cancelled" as const } }))
      .connect(stream);
  }

  /** Resolves when the connection closes: the adapter went away or spoke garbage. */
  get closed(): Promise<void> {
    return this.connection.closed;
  }

  async initialize(timeoutMs: number): Promise<void> {
    await withTimeout(
      "initialize",
      timeoutMs,
      this.connection.agent.request("initialize", { protocolVersion: PROTOCOL_VERSION, clientCapabilities: {} }),
    );
  }

  async newSession(cwd: string, timeoutMs: number): Promise<string> {
    const response = await withTimeout(
      "session/new",
      timeoutMs,
      this.connection.agent.request("session/new", { cwd, mcpServers: [] }),
    );
    this.replies.set(response.sessionId, []);
    return response.sessionId;
  }

  /** One prompt turn. Aborting the signal sends session/cancel and waits for the turn to stop. */
  async prompt(sessionId: string, text: string, signal: AbortSignal): Promise<TurnResult> {
    const onAbort = (): void => {
      void this.connection.agent.notify("session/cancel", { sessionId }).catch(() => undefined);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      const response = await this.connection.agent.request("session/prompt", {
        sessionId,
        prompt: [{ type: "text", text }],
      });
      const chunks = this.replies.get(sessionId) ?? [];
      this.replies.set(sessionId, []);
      return { text: chunks.join(""), stopReason: response.stopReason };
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  close(): void {
    this.connection.close();
  }
}
