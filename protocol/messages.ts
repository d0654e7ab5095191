// The engine protocol, version 1: JSON lines on stdio. The harness writes commands to the
// engine's stdin; the engine writes replies and events to its stdout. docs/engine-protocol.md
// says the same for engines in any language; this module is its TypeScript form.
import type { AdapterProfiles } from "./adapter-launch.js";
import type { Fault } from "./faults.js";
import type { FlowDocument } from "./flow-schema.js";
import type { JobState, PauseReason, StepRun, TerminalOutcome } from "./model.js";

export const PROTOCOL_VERSION = 1;

/** What the harness tells an engine in its first command: everything it needs to run. */
export interface EngineConfig {
  /** A folder of the engine's own for this run; a restarted engine gets the same one back. */
  stateDir: string;
  profiles: AdapterProfiles;
  faults: Fault[];
  killGraceMs: number;
  handshakeTimeoutMs: number;
}

export type Command =
  | ({ id: number; cmd: "hello"; protocol: number } & EngineConfig)
  | { id: number; cmd: "submit"; jobId: string; flow: FlowDocument }
  | { id: number; cmd: "cancel"; jobId: string }
  | { id: number; cmd: "resume"; jobId: string }
  | { id: number; cmd: "state" }
  | { id: number; cmd: "shutdown" };

export const COMMANDS = ["hello", "submit", "cancel", "resume", "state", "shutdown"] as const satisfies readonly Command["cmd"][];

/** Optional commands an engine may serve; the rest are required. */
export const OPTIONAL_COMMANDS = ["cancel", "resume"] as const;
export const EXECUTORS = ["agent", "script", "sleep", "sub_job"] as const;
export const EXIT_ACTIONS = ["advance", "loop", "escalate", "abandon"] as const;
export const ON_ERROR = ["fail", "continue", "abandon"] as const;

/** What an engine can do, from its hello reply; a scenario that needs more is skipped, not passed. */
export interface Capabilities {
  outcomes: TerminalOutcome["kind"][];
  executors: (typeof EXECUTORS)[number][];
  exitActions: (typeof EXIT_ACTIONS)[number][];
  onError: (typeof ON_ERROR)[number][];
  stepTimeouts: boolean;
  commands: (typeof OPTIONAL_COMMANDS)[number][];
  /** Restarted on its state folder after SIGKILL, it reaps its predecessor's chains and ends its jobs. */
  crashRestart: boolean;
  /** The snapshot's ledgers are true release ledgers. */
  ledgers: boolean;
  /** The snapshot's pool lists the engine's adapter chains with their job refs. */
  pool: boolean;
  /** Pid files are kept in the state folder as the protocol says. */
  pidFiles: boolean;
  /** Workspaces are kept in the state folder as the protocol says. */
  workspaces: boolean;
  faults: Fault[];
}

export interface EngineInfo {
  name: string;
  version: string;
}

export interface HelloReply {
  id: number;
  ok: true;
  protocol: number;
  engine: EngineInfo;
  capabilities: Capabilities;
}

/** A refusal; `id` is null where the line had none to read. A hello refused for its version names the engine's. */
export interface ErrorReply {
  id: number | null;
  ok: false;
  error: string;
  protocol?: number;
}

/** The reply to every command but hello. */
export type Reply = { id: number; ok: true; state?: EngineSnapshot } | ErrorReply;

export interface PoolEntrySnapshot {
  pid: number;
  pgid: number;
  starttime: number;
  profile: string;
  refs: string[];
  state: "starting" | "ready" | "killing" | "dead";
  pidFile: string;
}

export interface JobSnapshot {
  id: string;
  state: JobState;
  runs: StepRun[];
}

/** Every job one resource manager was asked to release, in order, once per release. */
export interface LedgerSnapshot {
  manager: string;
  releasedJobs: string[];
}

export interface EngineSnapshot {
  /** Releases still under way; a check is only final once this is 0. */
  releasesInFlight: number;
  /**
   * The jobs whose release is under way (optional): with it, one job's checks need not wait for
   * another's release, so scenarios can share an engine without waiting on each other.
   */
  releasing?: string[];
  jobs: JobSnapshot[];
  ledgers: LedgerSnapshot[];
  pool: PoolEntrySnapshot[];
  workspaces: { jobId: string; dir: string }[];
}

/** What a restarted engine's boot sweep found and did. */
export interface SweepReport {
  killedGroups: number[];
  /** Pids still alive after the sweep's SIGKILL. */
  survivors: number[];
  staleFiles: number;
  /** Pid files whose pid now belongs to a process that is not ours. */
  notOurs: number[];
}

export type AdapterEvent =
  | { event: "adapter.spawned"; jobId: string; pid: number; pgid: number; starttime: number; profile: string }
  | { event: "adapter.leased"; jobId: string; pid: number; pgid: number; shared: boolean }
  | { event: "adapter.discarded"; pid: number; reason: string }
  | { event: "adapter.exited"; pid: number; code: number | null; signal: string | null; killedByPool: boolean }
  /** The engine starts to kill a chain; `holders` are the jobs that still held it (none, unless a bug). */
  | { event: "adapter.killing"; pid: number; holders: string[] }
  | { event: "adapter.kill_failed"; pid: number; survivors: number[] };

export type EngineEvent =
  | AdapterEvent
  | { event: "engine.recovered"; sweep: SweepReport; stranded: string[] }
  | { event: "job.started"; jobId: string; parent: string | null }
  | { event: "step.started"; jobId: string; step: string; runId: string; iteration: number }
  | { event: "agent.prompt_sent"; jobId: string; step: string; runId: string; pid: number }
  | { event: "step.settled"; jobId: string; step: string; runId: string; status: StepRun["status"] }
  /** A script step's process started, leading a process group of its own. */
  | { event: "script.spawned"; jobId: string; runId: string; pid: number; pgid: number; starttime: number }
  | { event: "job.paused"; jobId: string; reason: PauseReason }
  | { event: "job.resumed"; jobId: string }
  | { event: "job.terminal"; jobId: string; status: string; outcome: TerminalOutcome }
  | { event: "resource.released"; manager: string; jobId: string }
  | { event: "resource.release_failed"; manager: string; jobId: string; error: string };

export type Line = HelloReply | Reply | EngineEvent;

export function isReply(line: object): line is HelloReply | Reply {
  return "id" in line && "ok" in line;
}
