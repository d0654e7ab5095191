// Serves the engine protocol over this process's stdin and stdout: a hello first, which starts
// the engine, then commands until shutdown or until stdin closes.
import { createInterface } from "node:readline";
import type { Command, EngineConfig, HelloReply, Line, Reply } from "../protocol/messages.js";
import { COMMANDS, PROTOCOL_VERSION } from "../protocol/messages.js";
import { parseFlow } from "../protocol/flow-schema.js";
import type { Engine } from "./engine.js";

let readerGone = false;

export function send(line: Line): void {
  if (readerGone || process.stdout.destroyed) return;
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function handle(engine: Engine, command: Exclude<Command, { cmd: "hello" }>): Promise<Reply> {
  switch (command.cmd) {
    case "submit":
      engine.submit(command.jobId, parseFlow(command.flow));
      return { id: command.id, ok: true };
    case "cancel":
      engine.cancel(command.jobId);
      return { id: command.id, ok: true };
    case "resume":
      engine.resume(command.jobId);
      return { id: command.id, ok: true };
    case "state":
      return { id: command.id, ok: true, state: engine.snapshot() };
    case "shutdown":
      await engine.shutdown();
      return { id: command.id, ok: true, state: engine.snapshot() };
  }
}

/** A command as sent, or the error reply a line that is not one gets. */
function readCommand(text: string): Command | { error: Reply } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: { id: null, ok: false, error: `not a JSON command: ${text.slice(0, 80)}` } };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { error: { id: null, ok: false, error: "a command is a JSON object" } };
  }
  const { id, cmd } = value as { id?: unknown; cmd?: unknown };
  if (!Number.isInteger(id)) return { error: { id: null, ok: false, error: "a command needs an integer id" } };
  if (!COMMANDS.some((c) => c === cmd)) {
    return { error: { id: id as number, ok: false, error: `unknown command ${JSON.stringify(cmd)}; known: ${COMMANDS.join(", ")}` } };
  }
  return value as Command;
}

/**
 * Serves until shutdown or until stdin closes: a driver that went away means shut down too.
 * `start` builds and recovers the engine from the hello; it answers with the engine's capabilities.
 */
export function serve(start: (config: EngineConfig) => Promise<{ engine: Engine; hello: Omit<HelloReply, "id" | "ok"> }>): Promise<void> {
  // A driver that went away turns every write into EPIPE: from then on the engine finishes its own
  // shutdown in silence instead of dying of the first event it cannot write. Set here, not when
  // the module loads: a startup snapshot loads it long before this process has its stdout.
  process.stdout.on("error", () => {
    readerGone = true;
  });
  return new Promise((resolve) => {
    const lines = createInterface({ input: process.stdin });
    let engine: Promise<Engine> | null = null;
    let stopping = false;
    const stop = async (): Promise<void> => {
      if (stopping) return;
      stopping = true;
      lines.close();
      if (engine !== null) await (await engine.catch(() => null))?.shutdown();
      resolve();
    };
    const onHello = (command: Extract<Command, { cmd: "hello" }>): void => {
      if (engine !== null) {
        send({ id: command.id, ok: false, error: "hello was said already" });
        return;
      }
      if (command.protocol !== PROTOCOL_VERSION) {
        send({ id: command.id, ok: false, protocol: PROTOCOL_VERSION, error: `this engine speaks protocol ${PROTOCOL_VERSION}, not ${command.protocol}` });
        return;
      }
      const started = start(command);
      engine = started.then(({ engine: e }) => e);
      started.then(
        ({ hello }) => send({ id: command.id, ok: true, ...hello }),
        (error: unknown) => {
          send({ id: command.id, ok: false, error: error instanceof Error ? error.message : String(error) });
          void stop();
        },
      );
    };
    lines.on("line", (text) => {
      const command = readCommand(text);
      if ("error" in command) {
        send(command.error);
        return;
      }
      if (command.cmd === "hello") {
        onHello(command);
        return;
      }
      if (engine === null) {
        send({ id: command.id, ok: false, error: `"${command.cmd}" before hello` });
        return;
      }
      engine
        .then((e) => handle(e, command))
        .then(
          (reply) => {
            send(reply);
            if (command.cmd === "shutdown") void stop();
          },
          (error: unknown) => send({ id: command.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
        );
    });
    lines.on("close", () => void stop());
  });
}
