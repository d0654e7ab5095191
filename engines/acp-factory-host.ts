// The host a library engine needs in order to be driven from outside: a small Node program that
// uses acp-factory as its README shows (spawn, createSession, prompt, cancel, close), told what
// to do by lines on stdin and saying what happened as JSON lines on stdout. It runs as
// `node dist/engines/acp-factory-host.js '<config JSON>'`, so the gate can SIGKILL it mid-turn.
import { createInterface } from "node:readline";
import { AgentFactory } from "acp-factory";

interface HostConfig {
  command: string;
  args: string[];
  cwd: string;
  prompt: string;
}

const config = JSON.parse(process.argv[2] ?? "{}") as HostConfig;
const say = (event: string, detail: Record<string, unknown> = {}): void => {
  process.stdout.write(`${JSON.stringify({ event, ...detail })}\n`);
};

AgentFactory.register("reapcheck-agent", { command: config.command, args: config.args, env: {} });
const agent = await AgentFactory.spawn("reapcheck-agent", { permissionMode: "auto-approve" });
const session = await agent.createSession(config.cwd);
say("ready", { session: session.id });

async function turn(prompt: string): Promise<void> {
  say("turn-started");
  try {
    let text = "";
    for await (const update of session.prompt(prompt)) {
      const u = update as { sessionUpdate?: string; content?: { type?: string; text?: string } };
      if (u.sessionUpdate === "agent_message_chunk" && u.content?.type === "text") text += u.content.text ?? "";
    }
    say("turn-ended", { text: text.slice(0, 200) });
  } catch (error) {
    say("turn-failed", { error: error instanceof Error ? error.message : String(error) });
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  const [verb = "", ...rest] = line.trim().split(" ");
  switch (verb) {
    case "prompt":
      void turn(rest.length > 0 ? rest.join(" ") : config.prompt);
      break;
    case "cancel":
      await session.cancel();
      say("cancel-sent");
      break;
    case "close":
      await agent.close();
      say("closed");
      process.exit(0);
  }
}
