// The harness's handle on one engine process: the hello first, then commands out, replies and
// events in. An engine that cannot be started or does not speak the protocol is an input error:
// one line naming the engine command and what it did.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { type Command, type EngineConfig, type HelloReply, type Line, PROTOCOL_VERSION, type Reply, isReply } from "../protocol/messages.js";
import { RUN_TAG } from "../protocol/tags.js";
import { type Containment, enterThenExec } from "../os/cgroup.js";
import type { EngineCommand } from "./engine-command.js";
import { EventLog } from "./event-log.js";
import { checkHello } from "./hello-check.js";
import { activeRuns } from "./run-registry.js";
import { InputError } from "../protocol/input-error.js";

/** A live engine that does not answer within this is wedged: the request fails instead of hanging the harness. */
const REQUEST_TIMEOUT_MS = 30_000;
/** How long the engine's stdout may stay open after it exited before its last lines are given up. */
const STDOUT_GRACE_MS = 1_000;
const HELLO_TIMEOUT_MS = 10_000;
const HELLO_ID = 1;

type CommandBody = Command extends infer C ? (C extends { id: number; cmd: infer K } ? (K extends "hello" ? never : Omit<C, "id">) : never) : never;

export interface EngineStart {
  run: string;
  /** The run's cgroups: the engine is born inside them, and so is all it starts. */
  containment?: Containment;
  command: EngineCommand;
  config: EngineConfig;
}

export interface EngineExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** The engine would not start or broke the protocol: bad input, exit 2. */
export class EngineStartError extends InputError {}

export class EngineProcess extends EventLog {
  readonly exited: Promise<EngineExit>;
  /** The engine's hello reply; rejects with an EngineStartError. */
  readonly ready: Promise<HelloReply>;
  /** Breaches of the protocol after the hello: lines that are not JSON, replies nobody asked for. */
  readonly violations: string[] = [];
  /** Refusals of lines that had no id to answer (`id: null`), in order. */
  readonly refusals: Reply[] = [];
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, (reply: Reply) => void>();
  private nextId = HELLO_ID + 1;
  private stderr = "";
  private alive = true;
  private greeted = false;
  private failHello: (error: EngineStartError) => void = () => undefined;

  constructor(private readonly start: EngineStart) {
    super();
    const [file, ...args] = start.containment === undefined ? start.command.argv : enterThenExec(start.containment, start.command.argv);
    // Its own process group: a Ctrl-C at the terminal reaches the harness, which then shuts the
    // engine down in order instead of both dying at once.
    const env: NodeJS.ProcessEnv = { ...process.env, [RUN_TAG]: start.run };
    for (const name of start.command.unsetEnv ?? []) delete env[name];
    this.child = spawn(file!, args, { detached: true, stdio: ["pipe", "pipe", "pipe"], env });
    if (this.child.pid !== undefined) activeRuns.engineStarted(start.run, this.child.pid);
    // An engine on its way out closes its stdin; the pending requests are answered by "exit".
    this.child.stdin!.on("error", () => undefined);
    this.child.stderr!.on("data", (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-8192);
    });
    const lines = createInterface({ input: this.child.stdout! });
    const linesRead = new Promise<void>((resolve) => lines.once("close", resolve));
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => {
        this.alive = false;
        // Node may report the exit before the engine's last lines are read (its answer to a
        // shutdown among them): those are read first; a child that kept the pipe open gets a second.
        void Promise.race([linesRead, sleep(STDOUT_GRACE_MS, undefined, { ref: false })]).then(() => {
          // The hello is answered by its own exit handler, which says how the engine ended.
          for (const [id, reply] of this.pending) if (id !== HELLO_ID) reply({ id: -1, ok: false, error: "engine exited" });
          this.pending.clear();
          resolve({ code, signal, stderr: this.stderr });
        });
      });
    });
    this.ready = this.hello();
    // Nobody may be listening yet; the rejection is read through `ready` by whoever needs it.
    this.ready.catch(() => undefined);
    lines.on("line", (text) => this.onLine(text));
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get isAlive(): boolean {
    return this.alive;
  }

  request(body: CommandBody): Promise<Reply> {
    return this.ask(body);
  }

  /** Any command, even one the protocol does not have: conformance shows how those are refused. */
  async ask(body: { cmd: string }): Promise<Reply> {
    try {
      await this.ready;
    } catch (error) {
      return { id: -1, ok: false, error: (error as Error).message };
    }
    if (!this.alive) return { id: -1, ok: false, error: "engine exited" };
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

  /** A line as given, with no id of ours: for showing how the engine answers what is not a command. */
  sendRaw(text: string): void {
    if (this.alive) this.child.stdin!.write(`${text}\n`);
  }

  /** Closes the engine's stdin, as a driver that went away would. */
  closeInput(): void {
    this.child.stdin!.end();
  }

  /**
   * Signals the engine's whole process group, which the harness made for it: a user's command runs
   * under a shell, and a crash must take the engine down, not only the shell in front of it.
   */
  kill(signal: NodeJS.Signals): void {
    if (!this.alive || this.pid <= 1) return;
    try {
      process.kill(-this.pid, signal);
    } catch {
      // the group emptied between the check and the signal
    }
  }

  private hello(): Promise<HelloReply> {
    const id = HELLO_ID;
    const label = this.start.command.label;
    const timeoutMs = this.start.command.helloTimeoutMs ?? HELLO_TIMEOUT_MS;
    return new Promise<HelloReply>((resolve, reject) => {
      const fail = (what: string): void => {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new EngineStartError(`${label} ${what}`));
      };
      this.failHello = (error) => fail(error.message);
      const timer = setTimeout(() => {
        fail(`did not answer hello within ${timeoutMs} ms`);
        this.kill("SIGKILL");
      }, timeoutMs);
      this.child.once("error", (error) => fail(`cannot be started: ${error.message}`));
      void this.exited.then((exit) => {
        if (this.greeted) return;
        const how = exit.signal === null ? `exited with code ${exit.code}` : `was killed by ${exit.signal}`;
        const said = exit.stderr.trim().split("\n").at(-1) ?? "";
        fail(`${how} before it answered hello${said === "" ? "" : `: ${said.slice(0, 200)}`}`);
      });
      this.pending.set(id, (reply) => {
        clearTimeout(timer);
        this.pending.delete(id);
        const problem = checkHello(reply);
        if (problem !== null) {
          reject(new EngineStartError(`${label} ${problem}`));
          this.kill("SIGKILL");
          return;
        }
        this.greeted = true;
        resolve(reply as unknown as HelloReply);
      });
      this.child.stdin!.write(`${JSON.stringify({ id, cmd: "hello", protocol: PROTOCOL_VERSION, ...this.start.config })}\n`);
    });
  }

  private onLine(text: string): void {
    let line: Line;
    try {
      line = JSON.parse(text) as Line;
      if (typeof line !== "object" || line === null) throw new Error("not an object");
    } catch {
      this.breach(`printed a line that is not a JSON object on stdout: ${JSON.stringify(text.slice(0, 80))}`);
      return;
    }
    if (isReply(line)) {
      if (line.id === null) {
        this.refusals.push(line as Reply);
        return;
      }
      const answer = typeof line.id === "number" ? this.pending.get(line.id) : undefined;
      if (answer === undefined) {
        this.breach(`answered with id ${JSON.stringify(line.id)}, which no request of ours carries`);
        return;
      }
      answer(line as Reply);
      return;
    }
    this.push(line);
  }

  /** Before the hello a breach means the engine cannot be driven; after it, it is noted. */
  private breach(what: string): void {
    if (!this.greeted) {
      this.failHello(new EngineStartError(what));
      this.kill("SIGKILL");
      return;
    }
    this.violations.push(what);
    this.stderr += `\n[protocol] ${what}`;
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
