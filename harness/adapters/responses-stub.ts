// The OpenAI Responses API half of the loopback model stub, for Codex (codex-acp) pointed at it
// by a custom provider in its config.toml. A turn is one `POST /v1/responses` with `stream:
// true`, answered by server-sent events: created, the message item added, its text, the item
// done, completed. Codex does not retry a 400 when its provider says so, and ends the turn with
// an error; it does not close a held stream on cancel, so the stub ends held streams on close.
import type { ServerResponse } from "node:http";
import type { StubTurn } from "./stub-turn.js";

let sequence = 0;

function event(res: ServerResponse, data: { type: string } & Record<string, unknown>): void {
  res.write(`event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** The opening of a streamed answer: the response and its message item, with some text. */
function open(res: ServerResponse, text: string): { response: string; item: string } {
  const ids = { response: `resp_stub_${++sequence}`, item: `msg_stub_${sequence}` };
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  event(res, { type: "response.created", response: { id: ids.response } });
  event(res, { type: "response.output_item.added", output_index: 0, item: { type: "message", role: "assistant", id: ids.item, content: [] } });
  event(res, { type: "response.output_text.delta", item_id: ids.item, output_index: 0, content_index: 0, delta: text });
  return ids;
}

export function answerResponses(turn: StubTurn, res: ServerResponse, text: string): void {
  switch (turn) {
    case "fail":
      res.writeHead(400, { "content-type": "application/json" }).end(
        JSON.stringify({ error: { message: "reapcheck stub: this turn fails", type: "invalid_request_error", param: null, code: "reapcheck_stub" } }),
      );
      return;
    case "hold":
      // Begun and never finished: the turn lasts until it is cancelled or its chain is killed.
      open(res, text);
      return;
    case "reply": {
      const ids = open(res, text);
      event(res, { type: "response.output_item.done", output_index: 0, item: { type: "message", role: "assistant", id: ids.item, content: [{ type: "output_text", text }] } });
      const usage = { input_tokens: 1, input_tokens_details: null, output_tokens: 1, output_tokens_details: null, total_tokens: 2 };
      event(res, { type: "response.completed", response: { id: ids.response, usage } });
      res.end();
      return;
    }
  }
}
