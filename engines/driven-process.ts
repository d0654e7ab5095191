// One process of the engine under test, started by a driver: a CLI call, a queue client, a host
// script. It runs detached, in a group of its own, so a signal meant for it reaches it alone and a
// Ctrl-C at our terminal reaches only reapcheck, which then ends the run in order.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { isSameProcessAlive, readStat } from "../os/proc-stat.js";

export interface SpawnOptions {
  /** Who this is in the timeline and the report: "acpx exec", "queue owner", "host". */
  label?: string;
  /** Variables over the run's environment (a shorter latency for a second turn, say). */
  env?: Record<string, string>;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class ProcessExitedError extends Error {}

const STDERR_TAIL = 4_000;
const STDOUT_GRACE_MS = 1_000;

export class DrivenProcess {
  readonly pid: number;
  readonly starttime: number;
  readonly stdout: string[] = [];
  readonly exited: Promise<Exit>;
  private stderrTail = "";
  private exit: Exit | null = null;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly label: string,
    readonly commandLine: string,
    private readonly child: ChildProcess,
  ) {
    this.pid = child.pid ?? 0;
    this.starttime = readStat(this.pid)?.starttime ?? 0;
    child.stdin?.on("error", () => undefined);
    const stdoutEnded = new Promise<void>((resolve) => {
      if (child.stdout === null) return resolve();
      createInterface({ input: child.stdout })
        .on("line", (line) => {
          this.stdout.push(line);
          for (const wake of this.waiters) wake();
        })
        .once("close", resolve);
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString("utf8")).slice(-STDERR_TAIL);
    });
    child.once("error", () => undefined);
    this.exited = new Promise((resolve) => {
      // Not "close": a child the engine started may hold our stderr pipe (acp-factory lets its
      // agent inherit the host's stderr), and a leaked one would hold it for ever. The exit, then
      // every stdout line (or a short grace), is the end; the pipes are let go after it.
      child.once("exit", (code, signal) => {
        void Promise.race([stdoutEnded, sleep(STDOUT_GRACE_MS)]).then(() => {
          this.exit = { code, signal };
          child.stdout?.destroy();
          child.stderr?.destroy();
          child.stdin?.destroy();
          for (const wake of this.waiters) wake();
          resolve(this.exit);
        });
      });
    });
  }

  static start(label: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv, commandLine: string): Promise<DrivenProcess> {
    const child = spawn(command, [...args], { detached: true, stdio: ["pipe", "pipe", "pipe"], env });
    return new Promise((resolve, reject) => {
      child.once("spawn", () => resolve(new DrivenProcess(label, commandLine, child)));
      child.once("error", (error) => reject(new Error(`${label}: could not start ${command}: ${error.message}`)));
    });
  }

  get stderr(): string {
    return this.stderrTail;
  }

  get hasExited(): boolean {
    return this.exit !== null;
  }

  /** The first stdout line matching `pattern`; rejects when the process exits without one. */
  line(pattern: RegExp): Promise<string> {
    return new Promise((resolve, reject) => {
      const look = (): void => {
        const found = this.stdout.find((l) => pattern.test(l));
        if (found !== undefined) {
          this.waiters.delete(look);
          resolve(found);
        } else if (this.exit !== null) {
          this.waiters.delete(look);
          reject(new ProcessExitedError(`${this.label} exited (${describeExit(this.exit)}) before printing ${pattern}${this.stderrTail === "" ? "" : `; stderr: ${this.stderrTail.trim().split("\n").slice(-3).join(" | ")}`}`));
        }
      };
      this.waiters.add(look);
      look();
    });
  }

  write(text: string): void {
    this.child.stdin?.write(text);
  }

  /** Signals only while the process is still the one started (pid and starttime). */
  signal(signal: NodeJS.Signals): boolean {
    if (this.exit !== null || !isSameProcessAlive(this.pid, this.starttime)) return false;
    try {
      process.kill(this.pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

export function describeExit(exit: Exit): string {
  return exit.signal !== null ? `killed by ${exit.signal}` : `exit ${exit.code}`;
}
