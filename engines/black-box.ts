// What a black-box driver is: how to make each terminal transition of an engine no one here wrote
// happen from outside (a CLI call, a signal, a library call in a small host script), for an engine
// that speaks no protocol of ours. The runner (black-box-run.ts) tags, watches, checks and reaps;
// a driver only drives, and says how the engine told it the job ended.
import type { StubTurn } from "../harness/adapters/stub-turn.js";
import type { InvariantName } from "../result/check.js";
import type { ProcessInfo } from "../result/process.js";
import type { DrivenProcess, SpawnOptions } from "./driven-process.js";

/** How the adapter behaves in one transition, on the fake chain and on a real one. */
export interface TurnPlan {
  /** The prompt text; the fake chain acts on a "[crash]" in it. */
  prompt: string;
  /** The fake chain's knobs (protocol/adapter-launch.ts BEHAVIOUR_ENV): how long a turn takes, how its CLI escapes. */
  fake: { latencyMs: number; escape?: "setsid" | "double-fork" };
  /** How a real adapter's loopback model stub answers every turn of the run, or why the transition cannot run there. */
  real: { turn: StubTurn } | { skip: string };
}

/** The premature-kill witness: the adapter chain's roots, seen alive at a moment the job surely lived. */
export type PrematureCheck =
  | { kind: "checked"; at: string; dead: ProcessInfo[] }
  /** Not applicable here (the adapter ends itself, say); the reason is reported as not observable. */
  | { kind: "not-applicable"; reason: string };

/** What the engine said about how the job ended, and what the transition expects it to say. */
export interface Driven {
  outcome: string;
  expected: string;
  premature: PrematureCheck;
}

export interface Transition {
  id: string;
  title: string;
  plan: TurnPlan;
  drive(ctx: DriveContext): Promise<Driven>;
}

/** The engine's own processes (a CLI client, a queue owner, a host script): the rest of the job's tagged processes is the adapter chain. */
export type EngineProcessTest = (p: ProcessInfo) => boolean;

export interface BlackBoxEngine {
  name: string;
  /** The npm package and the exact version this driver was written against. */
  package: string;
  version: string;
  summary: string;
  isEngineProcess: EngineProcessTest;
  /** Evidence the engine keeps none of, or none a black box can read: never passed, never failed. */
  notObservable: readonly { invariant: InvariantName; reason: string }[];
  transitions: readonly Transition[];
  /** Removes what the engine left outside the run's folder (a socket directory under /tmp, say). */
  cleanup?(env: Readonly<Record<string, string>>): Promise<void>;
}

/** Everything a transition's drive may use. All it spawns carries the run's and the job's tags. */
export interface DriveContext {
  run: string;
  /** The job's REAPCHECK_JOB value. */
  job: string;
  /** A folder for the engine's working directory, inside the run's state folder. */
  cwd: string;
  /** The adapter command, wrapped as `env REAPCHECK_RUN=… REAPCHECK_JOB=… <command>` (env execs, so the chain keeps its shape). */
  agent: { command: string; args: string[] };
  plan: TurnPlan;
  /** Processes in one healthy chain of this adapter (3 for the fake). */
  chainSize: number;
  /** Starts an engine process (detached, in its own group, env tagged), recorded in the run's timeline. */
  spawn(command: string, args: readonly string[], options?: SpawnOptions): Promise<DrivenProcess>;
  /** Starts one and waits for it to exit (a CLI call such as `acpx cancel`). */
  call(command: string, args: readonly string[], options?: SpawnOptions): Promise<DrivenProcess>;
  /** Waits until the job's adapter chain is up (chainSize processes, or a deadline) and returns its roots. */
  chainUp(): Promise<ProcessInfo[]>;
  /** The premature-kill witness: which of these roots are dead now. */
  checkAlive(roots: readonly ProcessInfo[], at: string): PrematureCheck;
  /** The job's live tagged processes that pass the test (the queue owner, say). */
  find(test: (p: ProcessInfo) => boolean): Promise<ProcessInfo[]>;
  /** Waits until none of these processes is alive, or the transition's own timeout ends the run. */
  waitGone(processes: readonly ProcessInfo[], label: string): Promise<void>;
  /** Sends a signal to a process of the run, re-checked by (pid, starttime), and notes it in the timeline. */
  signal(p: ProcessInfo | DrivenProcess, signal: NodeJS.Signals, label: string): void;
  /** A line in the run's timeline, for the repro bundle. */
  note(text: string): void;
  sleep(ms: number): Promise<void>;
}
