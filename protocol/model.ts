// The protocol's vocabulary: flows as both sides read them, step runs, jobs and the ways a job can end.

export type When =
  | { kind: "always" }
  | { kind: "output_contains"; text: string };

export type ExitAction =
  | { kind: "advance" }
  | { kind: "loop"; target: string; maxIterations: number }
  | { kind: "escalate" }
  | { kind: "abandon" };

export interface ExitRule {
  name: string;
  when: When;
  action: ExitAction;
}

/** Fake-adapter knobs; a real adapter ignores them. */
export type HandshakeBehaviour = "ok" | "hang" | "garbage" | "error-session-new";

/**
 * How a fake CLI child hides from its chain's tags, if it does: it leaves the process group
 * (setsid, double fork), or it stays in the group with its environment cleared and SIGTERM
 * ignored (untagged), so only group membership finds it and only SIGKILL ends it, or it leaves
 * the group and makes itself non-dumpable (hidden, as ssh-agent does), so that to anyone but
 * root its environment, tags and all, is unreadable: only its ancestry finds it, or it leaves
 * the group and clears its environment (env-cleared): neither group nor tag finds it, only the
 * run's cgroup (and its ancestry, while its parent lives).
 */
export type EscapeBehaviour = "none" | "setsid" | "double-fork" | "untagged" | "hidden" | "env-cleared";

export interface AgentBehaviour {
  latencyMs: number;
  ballastMb: number;
  ignoreSigterm: boolean;
  handshake: HandshakeBehaviour;
  escape: EscapeBehaviour;
}

export interface AgentSpec {
  /** Adapter profile, as registered with the engine at start. */
  profile: string;
  model: string;
  tools: string[];
  allowedPaths: string[];
  behaviour: AgentBehaviour;
}

export type Executor =
  | { kind: "agent"; agent: AgentSpec; prompt: string }
  | { kind: "script"; command: string }
  | { kind: "sleep"; ms: number }
  | { kind: "sub_job"; flow: Flow };

export type OnError = "fail" | "continue" | "abandon";

export interface StepSpec {
  name: string;
  executor: Executor;
  after: string[];
  exitRules: ExitRule[];
  onError: OnError;
  timeoutMs: number | null;
}

export interface Flow {
  steps: StepSpec[];
}

export type StepRunStatus = "running" | "completed" | "failed" | "cancelled";

export interface StepRun {
  id: string;
  step: string;
  iteration: number;
  status: StepRunStatus;
  output: string | null;
  error: string | null;
}

/**
 * Why a job ended. Every way a job can end is one variant; `statusOf` and `releaseFaultFor`
 * switch over them exhaustively, so a new one cannot be added without its status and its place
 * in the fault table, and every one of them ends through `finishJob`.
 */
export type TerminalOutcome =
  | { kind: "completed" }
  | { kind: "no_terminal_reached" }
  | { kind: "step_failed"; step: string; error: string }
  | { kind: "abandoned"; via: "exit_rule"; step: string; rule: string }
  | { kind: "abandoned"; via: "failure_routing"; step: string; error: string }
  | { kind: "cancelled" }
  | { kind: "shutdown" }
  | { kind: "timeout"; step: string }
  | { kind: "sub_job_failed"; step: string; subJob: string }
  | { kind: "engine_restarted" };

export const OUTCOME_KINDS = [
  "completed",
  "no_terminal_reached",
  "step_failed",
  "abandoned",
  "cancelled",
  "shutdown",
  "timeout",
  "sub_job_failed",
  "engine_restarted",
] as const satisfies readonly TerminalOutcome["kind"][];

export type TerminalStatus = "completed" | "failed" | "cancelled";

export type PauseReason =
  | { kind: "escalated"; step: string; rule: string }
  | { kind: "loop_limit"; step: string; rule: string };

export type JobState =
  | { kind: "running" }
  | { kind: "paused"; reason: PauseReason }
  | { kind: "terminal"; status: TerminalStatus; outcome: TerminalOutcome };

export function statusOf(outcome: TerminalOutcome): TerminalStatus {
  switch (outcome.kind) {
    case "completed":
      return "completed";
    case "cancelled":
      return "cancelled";
    case "no_terminal_reached":
    case "step_failed":
    case "abandoned":
    case "shutdown":
    case "timeout":
    case "sub_job_failed":
    case "engine_restarted":
      return "failed";
    default:
      return unreachable(outcome);
  }
}

export function unreachable(value: never): never {
  throw new Error(`unhandled variant: ${JSON.stringify(value)}`);
}
