// Serves the control protocol for one engine over this process's stdin and stdout.
import { createInterface } from "node:readline";
import type { Command, Line, Reply } from "./control-protocol.js";
import type { Engine } from "./engine.js";
import { parseFlow } from "./flow-schema.js";

export function send(line: Line): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function handle(engine: Engine, command: Command): Promise<Reply> {
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
    case "ledger":
      return { id: command.id, ok: true, ledgers: engine.snapshot().ledgers };
    case "shutdown":
      await engine.shutdown();
      return { id: command.id, ok: true, state: engine.snapshot() };
  }
}

/** Serves until shutdown or until stdin closes: a driver that went away means shut down too. */
export function serve(engine: Engine): Promise<void> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: process.stdin });
    let stopping = false;
    const stop = async (): Promise<void> => {
      if (stopping) return;
      stopping = true;
      lines.close();
      await engine.shutdown();
      resolve();
    };
    lines.on("line", (text) => {
      let command: Command;
      try {
        command = JSON.parse(text) as Command;
      } catch {
        send({ id: -1, ok: false, error: `not a JSON command: ${text.slice(0, 80)}` });
        return;
      }
      handle(engine, command).then(
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
