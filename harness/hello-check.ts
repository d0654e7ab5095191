// What an engine's answer to hello must be before the harness drives it: the protocol version it
// was asked for, and capabilities of the protocol's shape. Each problem is said in a few words.
import { z } from "zod";
import { FAULTS } from "../protocol/faults.js";
import { EXECUTORS, EXIT_ACTIONS, ON_ERROR, OPTIONAL_COMMANDS, PROTOCOL_VERSION } from "../protocol/messages.js";
import { OUTCOME_KINDS } from "../protocol/model.js";
import { formatPath } from "../protocol/flow-schema.js";

const names = <T extends readonly [string, ...string[]]>(known: T) => z.array(z.enum(known));

const helloSchema = z.object({
  ok: z.literal(true),
  protocol: z.literal(PROTOCOL_VERSION),
  engine: z.object({ name: z.string(), version: z.string() }),
  capabilities: z.object({
    outcomes: names(OUTCOME_KINDS),
    executors: names(EXECUTORS),
    exitActions: names(EXIT_ACTIONS),
    onError: names(ON_ERROR),
    stepTimeouts: z.boolean(),
    commands: names(OPTIONAL_COMMANDS),
    crashRestart: z.boolean(),
    ledgers: z.boolean(),
    pool: z.boolean(),
    pidFiles: z.boolean(),
    workspaces: z.boolean(),
    faults: names(Object.keys(FAULTS) as [keyof typeof FAULTS, ...(keyof typeof FAULTS)[]]),
  }),
});

/** Null when the reply opens a session; otherwise what is wrong, to follow the engine's name. */
export function checkHello(reply: unknown): string | null {
  const r = reply as { ok?: unknown; protocol?: unknown; error?: unknown };
  if (r.ok === false) {
    if (typeof r.protocol === "number" && r.protocol !== PROTOCOL_VERSION) {
      return `speaks engine protocol ${r.protocol}; reapcheck speaks ${PROTOCOL_VERSION}`;
    }
    return `refused hello: ${String(r.error ?? "no reason given").slice(0, 200)}`;
  }
  if (typeof r.protocol === "number" && r.protocol !== PROTOCOL_VERSION) {
    return `answered hello with protocol ${r.protocol}; reapcheck speaks ${PROTOCOL_VERSION}`;
  }
  const parsed = helloSchema.safeParse(reply);
  if (parsed.success) return null;
  const issue = parsed.error.issues[0]!;
  const path = formatPath(issue.path.filter((k): k is string | number => typeof k !== "symbol"));
  return `answered hello with a malformed reply: ${path === "" ? "" : `${path}: `}${issue.message}`;
}
