// A loopback stand-in for a model API, so a real agent CLI runs prompt turns offline. It answers
// the Anthropic Messages API (Claude Code), on its `/v1beta/models/…` paths the Gemini API
// (Gemini CLI, see gemini-stub.ts), and on `/v1/responses` the OpenAI Responses API (Codex, see
// responses-stub.ts). The fake adapter's knobs (latency, [fail]) never reach a real
// adapter, so each turn's shape comes from the run's script (stub-turn.ts), by its prompt.
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { answerGemini, geminiCall } from "./gemini-stub.js";
import { answerResponses } from "./responses-stub.js";
import { STUB_REPLY, type StubScript, type StubTurn, answerFor, latestPrompt } from "./stub-turn.js";

export { STUB_REPLY };

/**
 * How the model answers a turn:
 * - `reply`: a short streamed answer that ends the turn (`end_turn`, or `STOP` for Gemini);
 * - `fail`: every model call gets a non-retryable 400, so the CLI ends the turn with an error;
 * - `hold`: every model call gets a stream that never ends, so the turn lasts until it is
 *   cancelled or its chain is killed.
 */

function sse(res: ServerResponse, event: string, data: object): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
}

function messageStart(res: ServerResponse, model: string): void {
  sse(res, "message_start", {
    message: {
      id: `msg_stub_${Date.now()}`,
      type: "message",
      role: "assistant",
      content: [],
      model,
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 1, output_tokens: 1 },
    },
  });
}

function streamReply(res: ServerResponse, model: string, text: string): void {
  messageStart(res, model);
  sse(res, "content_block_start", { index: 0, content_block: { type: "text", text: "" } });
  sse(res, "content_block_delta", { index: 0, delta: { type: "text_delta", text } });
  sse(res, "content_block_stop", { index: 0 });
  sse(res, "message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 4 } });
  sse(res, "message_stop", {});
  res.end();
}

/** The non-streaming form, which the CLI uses for side requests such as titles. */
function jsonReply(res: ServerResponse, model: string, text: string): void {
  res.writeHead(200, { "content-type": "application/json" }).end(
    JSON.stringify({
      id: `msg_stub_${Date.now()}`,
      type: "message",
      role: "assistant",
      content: [{ type: "text", text }],
      model,
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { input_tokens: 1, output_tokens: 4 },
    }),
  );
}

function apiError(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ type: "error", error: { type, message } }));
}

async function bodyOf(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export class ModelStub {
  /** Requests seen, by path, so a test can tell a turn reached the model. */
  readonly requests: string[] = [];
  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
  ) {}

  static async start(script: StubTurn | StubScript): Promise<ModelStub> {
    const scripted = typeof script === "string" ? { turn: script } : script;
    let stub: ModelStub | null = null;
    const server = createServer((req, res) => {
      stub?.requests.push(`${req.method} ${req.url}`);
      void answer(scripted, req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", resolve);
    });
    const { port } = server.address() as AddressInfo;
    stub = new ModelStub(server, `http://127.0.0.1:${port}`);
    return stub;
  }

  /** Ends held streams too: a held turn must not keep the harness alive. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function answer(script: StubScript, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? "").split("?")[0];
  const body = await bodyOf(req);
  const { turn, text } = answerFor(script, latestPrompt(body));
  const model = typeof body.model === "string" ? body.model : "stub-model";
  const gemini = geminiCall(path ?? "");
  // Anything but a POST (the CLI's HEAD / reachability probe) is no model call.
  if (req.method !== "POST") {
    apiError(res, 404, "not_found_error", `the stub answers POST only, not ${req.method} ${path}`);
  } else if (gemini !== null) {
    answerGemini(turn, gemini, body, res, text);
  } else if (path === "/v1/responses") {
    answerResponses(turn, res, text);
  } else if (path === "/v1/messages/count_tokens") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ input_tokens: 1 }));
  } else if (turn === "fail") {
    apiError(res, 400, "invalid_request_error", "reapcheck stub: this turn fails");
  } else if (turn === "hold") {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    if (path === "/v1/messages" && body.stream === true) messageStart(res, model);
  } else if (path !== "/v1/messages") {
    apiError(res, 404, "not_found_error", `the stub replies on POST /v1/messages only, not ${path}`);
  } else if (body.stream === true) {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    streamReply(res, model, text);
  } else {
    jsonReply(res, model, text);
  }
}
