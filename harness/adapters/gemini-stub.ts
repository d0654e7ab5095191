// The Gemini API half of the loopback model stub, for Gemini CLI pointed at it through
// GOOGLE_GEMINI_BASE_URL. A turn of the CLI makes two model calls (measured on 0.61.0): a
// routing classifier, `models/<flash-lite>:generateContent` asking for JSON by schema, then the
// turn itself, `models/<model>:streamGenerateContent?alt=sse`. The routing call is answered in
// its schema so the CLI routes as it would online instead of logging a fallback.
import type { ServerResponse } from "node:http";
import type { StubTurn } from "./stub-turn.js";

/** A Gemini API call: `/<version>/models/<model>:<method>`. */
export interface GeminiCall {
  model: string;
  method: string;
}

const CALL = /^\/v1[a-z0-9]*\/models\/([^/:]+):([A-Za-z]+)$/;

export function geminiCall(path: string): GeminiCall | null {
  const [, model, method] = CALL.exec(path) ?? [];
  return model === undefined || method === undefined ? null : { model, method };
}

function candidate(model: string, text: string): object {
  return {
    candidates: [{ content: { role: "model", parts: [{ text }] }, finishReason: "STOP", index: 0 }],
    usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 4, totalTokenCount: 5 },
    modelVersion: model,
  };
}

function googleError(res: ServerResponse, code: number, status: string, message: string): void {
  res.writeHead(code, { "content-type": "application/json" }).end(JSON.stringify({ error: { code, message, status } }));
}

/**
 * A value that satisfies a JSON-mode request's schema (the API's upper-case type names or JSON
 * Schema's lower-case ones): the first enum value, the minimum number, a placeholder string.
 */
function valueFor(schema: unknown): unknown {
  if (typeof schema !== "object" || schema === null) return null;
  const s = schema as { type?: unknown; enum?: unknown; minimum?: unknown; properties?: unknown };
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  switch (typeof s.type === "string" ? s.type.toLowerCase() : "") {
    case "object": {
      const properties = typeof s.properties === "object" && s.properties !== null ? s.properties : {};
      return Object.fromEntries(Object.entries(properties).map(([name, sub]) => [name, valueFor(sub)]));
    }
    case "array":
      return [];
    case "integer":
    case "number":
      return typeof s.minimum === "number" ? s.minimum : 1;
    case "boolean":
      return false;
    case "string":
      return "reapcheck stub";
    default:
      return null;
  }
}

/** The answer's text: JSON in the requested schema when the call asks for JSON, else `reply`. */
function replyText(body: Record<string, unknown>, reply: string): string {
  const config = body.generationConfig as { responseJsonSchema?: unknown; responseSchema?: unknown } | undefined;
  const schema = config?.responseJsonSchema ?? config?.responseSchema;
  return schema === undefined ? reply : JSON.stringify(valueFor(schema));
}

export function answerGemini(turn: StubTurn, call: GeminiCall, body: Record<string, unknown>, res: ServerResponse, reply: string): void {
  if (call.method === "countTokens") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ totalTokens: 1 }));
  } else if (turn === "fail") {
    googleError(res, 400, "INVALID_ARGUMENT", "reapcheck stub: this turn fails");
  } else if (turn === "hold") {
    // Headers only: the routing call and the turn's stream both wait until cancelled or killed.
    res.writeHead(200, { "content-type": call.method === "streamGenerateContent" ? "text/event-stream" : "application/json" });
    res.flushHeaders();
  } else if (call.method === "streamGenerateContent") {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.end(`data: ${JSON.stringify(candidate(call.model, replyText(body, reply)))}\r\n\r\n`);
  } else if (call.method === "generateContent") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(candidate(call.model, replyText(body, reply))));
  } else {
    googleError(res, 404, "NOT_FOUND", `the stub answers generateContent, streamGenerateContent and countTokens, not ${call.method}`);
  }
}
