// Option parsers and texts shared by the commands.
import { InvalidArgumentError } from "commander";
import { MAX_DURATION_MS } from "../protocol/flow-schema.js";

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a whole number above 0");
  // Counts and durations alike: past this a timer fires at once, and no count is that large.
  if (n > MAX_DURATION_MS) throw new InvalidArgumentError(`expected at most ${MAX_DURATION_MS}`);
  return n;
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export const ENGINE_COMMAND_HELP = "the engine to gate: a command that speaks the engine protocol (docs/engine-protocol.md); the reference engine when absent";
