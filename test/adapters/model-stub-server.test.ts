import { afterEach, describe, expect, it } from "vitest";
import { ModelStub, STUB_REPLY } from "../../harness/adapters/model-stub-server.js";
import type { StubScript, StubTurn } from "../../harness/adapters/stub-turn.js";

let stub: ModelStub | null = null;
afterEach(async () => {
  await stub?.close();
  stub = null;
});

async function ask(turn: StubTurn | StubScript, body: object, path = "/v1/messages"): Promise<Response> {
  stub = await ModelStub.start(turn);
  return fetch(`${stub.baseUrl}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

describe("the loopback model stub", () => {
  it("streams a Messages API reply that ends the turn", async () => {
    const response = await ask("reply", { model: "m", stream: true, messages: [] });
    const events = (await response.text()).split("\n").filter((l) => l.startsWith("event: ")).map((l) => l.slice(7));
    expect(events).toEqual(["message_start", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop"]);
  });

  it("answers a non-streaming call with a whole message", async () => {
    const message = (await (await ask("reply", { model: "m", messages: [] })).json()) as { content: { text: string }[]; stop_reason: string };
    expect(message).toMatchObject({ content: [{ text: STUB_REPLY }], stop_reason: "end_turn" });
  });

  it("fails every model call with a non-retryable 400, whatever the API", async () => {
    expect((await ask("fail", {}, "/v1beta/models/x:streamGenerateContent")).status).toBe(400);
  });

  it("holds a stream open until the stub closes, and closing ends it", async () => {
    const response = await ask("hold", { model: "m", stream: true });
    const reader = response.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain("event: message_start");
    await stub!.close();
    stub = null;
    await expect(reader.read()).rejects.toThrow();
  });
});

describe("the loopback model stub, on the Gemini API", () => {
  const STREAM = "/v1beta/models/gemini-x:streamGenerateContent?alt=sse";
  // The routing call Gemini CLI 0.61.0 makes before each turn, schema as it sends it.
  const CLASSIFIER = {
    contents: [{ role: "user", parts: [{ text: "say hi" }] }],
    generationConfig: {
      responseMimeType: "application/json",
      responseJsonSchema: {
        type: "OBJECT",
        properties: { complexity_reasoning: { type: "STRING" }, complexity_score: { type: "INTEGER" } },
        required: ["complexity_reasoning", "complexity_score"],
      },
    },
  };
  type Answer = { candidates: { content: { role: string; parts: { text: string }[] }; finishReason: string }[]; usageMetadata: object };

  it("streams a reply as SSE data lines that end the turn with STOP", async () => {
    const response = await ask("reply", { contents: [] }, STREAM);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const chunks = (await response.text()).split("\r\n\r\n").filter((c) => c !== "");
    expect(chunks.every((c) => c.startsWith("data: "))).toBe(true);
    const answers = chunks.map((c) => JSON.parse(c.slice(6)) as Answer);
    expect(answers.at(-1)).toMatchObject({ candidates: [{ content: { role: "model", parts: [{ text: STUB_REPLY }] }, finishReason: "STOP" }], usageMetadata: expect.any(Object) });
  });

  it("answers a JSON-mode generateContent in the schema it asks for, and a plain one with the reply", async () => {
    const routed = (await (await ask("reply", CLASSIFIER, "/v1beta/models/gemini-lite:generateContent")).json()) as Answer;
    expect(JSON.parse(routed.candidates[0]!.content.parts[0]!.text)).toEqual({ complexity_reasoning: expect.any(String), complexity_score: 1 });
    await stub?.close();
    const plain = (await (await ask("reply", { contents: [] }, "/v1beta/models/gemini-x:generateContent")).json()) as Answer;
    expect(plain.candidates[0]).toMatchObject({ content: { parts: [{ text: STUB_REPLY }] }, finishReason: "STOP" });
  });

  it.each(["reply", "fail", "hold"] as const)("counts tokens on a %s turn", async (turn) => {
    const counted = await ask(turn, { contents: [] }, "/v1beta/models/gemini-x:countTokens");
    expect(await counted.json()).toEqual({ totalTokens: 1 });
  });

  it("fails with the Gemini API's error shape", async () => {
    const response = await ask("fail", CLASSIFIER, "/v1beta/models/gemini-lite:generateContent");
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 400, status: "INVALID_ARGUMENT" } });
  });

  it("holds a stream open with no data until the stub closes", async () => {
    const response = await ask("hold", { contents: [] }, STREAM);
    expect(response.status).toBe(200);
    const read = response.body!.getReader().read();
    const pending = await Promise.race([read.then(() => "data"), new Promise((resolve) => setTimeout(() => resolve("pending"), 200))]);
    expect(pending).toBe("pending");
    await stub!.close();
    stub = null;
    await expect(read).rejects.toThrow();
  });

  it("refuses a Gemini method it does not serve", async () => {
    expect((await ask("reply", {}, "/v1beta/models/gemini-x:embedContent")).status).toBe(404);
  });

  it("answers each turn by its script: the first rule whose text the latest user message holds, else the default", async () => {
    const script: StubScript = { turn: "reply", byPrompt: [["[fail]", "fail"], ["needs a human", "reply"]] };
    const user = (text: string) => ({ role: "user", content: [{ type: "text", text }] });
    const said = async (body: object): Promise<string> => ((await (await ask(script, body)).json()) as { content: { text: string }[] }).content[0]!.text;
    expect(await said({ model: "m", messages: [user("plan the work")] })).toBe(STUB_REPLY);
    // A rule's reply repeats its text, so an exit rule can match it.
    expect(await said({ model: "m", messages: [user("review: needs a human")] })).toBe("stub reply: needs a human");
    expect((await ask(script, { model: "m", messages: [user("attempt [fail]")] })).status).toBe(400);
    // Only the latest user message decides: an earlier turn of the session does not.
    expect(await said({ model: "m", messages: [user("attempt [fail]"), { role: "assistant", content: "no" }, user("plan again")] })).toBe(STUB_REPLY);
    // The Gemini API's contents are read the same way.
    const gemini = await ask(script, { contents: [{ role: "user", parts: [{ text: "attempt [fail]" }] }] }, "/v1beta/models/x:generateContent");
    expect(gemini.status).toBe(400);
  });
});
