import { afterEach, describe, expect, it } from "vitest";
import { ModelStub, STUB_REPLY, type StubTurn } from "../../harness/adapters/model-stub-server.js";

let stub: ModelStub | null = null;
afterEach(async () => {
  await stub?.close();
  stub = null;
});

async function ask(turn: StubTurn, body: object, path = "/v1/messages"): Promise<Response> {
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
