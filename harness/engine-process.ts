// The harness's handle on one engine process: commands out, replies and events in.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { type Command, type Line, type Reply, isReply } from "../engine/control-protocol.js";
import { FAULTS_ENV } from "../engine/faults.js";
import { RUN_TAG } from "../engine/tagging.js";
import { compiled } from "./compiled-paths.js";
import { EventLog } from "./event-log.js";

/** A live engine that does not answer within this is wedged: the request fails instead of hanging the harness. */
const REQUEST_TIMEOUT_MS = 30_000;

type CommandBody = Command extends infer C ? (C extends { id: number } ? Omit<C, "id"> : never) : never;

export interface EngineStart {
  run: string;
  stateDir: string;
  profilesFile: string;
  faults: readonly string[];
  killGraceMs: number;
  handshakeTimeoutMs: number;
}

export interface EngineExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** The harness's environment with the run tag, and without a stray fault list that would fault a clean run. */
function engineEnv(run: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, [RUN_TAG]: run };
  delete env[FAULTS_ENV];
  return env;
}

export class EngineProcess extends EventLog {
  readonly exited: Promise<EngineExit>;
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, (reply: Reply) => void>();
  private nextId = 1;
  private stderr = "";
  private alive = true;

  constructor(start: EngineStart) {
    super();
    // Its own process group: a Ctrl-C at the terminal reaches the harness, which then shuts the
    // engine down in order instead of both dying at once.
    this.child = spawn(
      process.execPath,
      [
        compiled("engine/main.js"),
        "--state-dir",
        start.stateDir,
        "--profiles",
        start.profilesFile,
        "--kill-grace-ms",
        String(start.killGraceMs),
        "--handshake-timeout-ms",
        String(start.handshakeTimeoutMs),
        ...start.faults.flatMap((f) => ["--fault", f]),
      ],
      { detached: true, stdio: ["pipe", "pipe", "pipe"], env: engineEnv(start.run) },
    );
    // An engine on its way out closes its stdin; the pending requests are answered by "exit".
    this.child.stdin!.on("error", () => undefined);
    this.child.stderr!.on("data", (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-8192);
    });
    createInterface({ input: this.child.stdout! }).on("line", (text) => this.onLine(text));
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => {
        this.alive = false;
        for (const reply of this.pending.values()) reply({ id: -1, ok: false, error: "engine exited" });
        this.pending.clear();
        resolve({ code, signal, stderr: this.stderr });
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get isAlive(): boolean {
    return this.alive;
  }

  request(body: CommandBody): Promise<Reply> {
    if (!this.alive) return Promise.resolve({ id: -1, ok: false, error: "engine exited" });
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ id, ok: false, error: `the engine did not answer "${body.cmd}" within ${REQUEST_TIMEOUT_MS} ms` });
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.child.stdin!.write(`${JSON.stringify({ ...body, id })}\n`);
    });
  }

  kill(signal: NodeJS.Signals): void {
    if (this.alive) this.child.kill(signal);
  }

  private onLine(text: string): void {
    let line: Line;
    try {
      line = JSON.parse(text) as Line;
    } catch {
      this.stderr += `\n[stdout] ${text}`;
      return;
    }
    if (isReply(line)) {
      this.pending.get(line.id)?.(line);
      this.pending.delete(line.id);
      return;
    }
    this.push(line);
  }
}

/** Graceful shutdown first; an engine that does not answer in time is killed. */
export async function stopEngine(engine: EngineProcess, timeoutMs = 10_000): Promise<void> {
  if (!engine.isAlive) return;
  const timer = setTimeout(() => engine.kill("SIGKILL"), timeoutMs);
  await engine.request({ cmd: "shutdown" });
  await engine.exited;
  clearTimeout(timer);
}
