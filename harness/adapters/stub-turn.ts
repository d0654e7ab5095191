// How a loopback model stub answers the turns of one run: it replies, fails, or holds the turn
// open. A script picks per turn by the prompt: the first rule whose text the turn's latest user
// message contains decides, so one run can finish one turn, fail another and hold a third.
export type StubTurn = "reply" | "fail" | "hold";

export interface StubScript {
  /** The answer to every turn no rule picks. */
  turn: StubTurn;
  /** [prompt text, answer], tried in order. */
  byPrompt?: readonly (readonly [string, StubTurn])[];
}

/** The text of every reply no rule picked. */
export const STUB_REPLY = "stub reply: done";

/**
 * The answer to a turn whose latest user message is `prompt`; a reply a rule picked repeats the
 * rule's text, so an exit rule can match what the model "said" as it matches the fake's echo.
 */
export function answerFor(script: StubScript, prompt: string): { turn: StubTurn; text: string } {
  const rule = script.byPrompt?.find(([text]) => prompt.includes(text));
  return rule === undefined ? { turn: script.turn, text: STUB_REPLY } : { turn: rule[1], text: `stub reply: ${rule[0]}` };
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((block: unknown) => {
      if (typeof block === "string") return block;
      if (typeof block !== "object" || block === null) return "";
      const b = block as { text?: unknown; content?: unknown };
      return typeof b.text === "string" ? b.text : textOf(b.content);
    })
    .join("\n");
}

/**
 * The latest user message of a model call (Anthropic `messages`, Gemini `contents`, OpenAI
 * Responses `input`): earlier turns of the session are in the history too, and must not pick
 * this turn's answer.
 */
export function latestPrompt(body: Record<string, unknown>): string {
  const turns = [body.messages, body.contents, body.input].find(Array.isArray) ?? [];
  for (let i = turns.length - 1; i >= 0; i--) {
    const turn = turns[i] as { role?: unknown; content?: unknown; parts?: unknown } | null;
    if (turn?.role === "user") return textOf(turn.content ?? turn.parts);
  }
  return "";
}
