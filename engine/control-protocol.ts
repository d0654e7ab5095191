// The engine's control protocol: JSON lines on stdio. The harness writes commands to stdin and
// reads replies and events from stdout; this is also the seam another engine's shim would speak.
import type { FlowDocument } from "./flow-schema.js";
import type { EngineEvent, EngineSnapshot } from "./engine.js";

export type Command =
  | { id: number; cmd: "submit"; jobId: string; flow: FlowDocument }
  | { id: number; cmd: "cancel"; jobId: string }
  | { id: number; cmd: "resume"; jobId: string }
  | { id: number; cmd: "state" }
  | { id: number; cmd: "ledger" }
  | { id: number; cmd: "shutdown" };

export type Reply =
  | { id: number; ok: true; state?: EngineSnapshot; ledgers?: EngineSnapshot["ledgers"] }
  | { id: number; ok: false; error: string };

export type Line = Reply | EngineEvent;

export function isReply(line: Line): line is Reply {
  return "id" in line && "ok" in line;
}
