// The reference engine: runs flows as jobs and ends every job through one choke point,
// `finishJob`, which releases every resource manager whatever the way the job ended.
import { type ChildProcess, spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import type { AdapterProfiles } from "../protocol/adapter-launch.js";
import { FAULTS, releaseFaultFor } from "../protocol/faults.js";
import { InputError } from "../protocol/input-error.js";
import type { Capabilities, EngineEvent, EngineSnapshot } from "../protocol/messages.js";
import {
  type Flow,
  type JobState,
  type PauseReason,
  type StepRun,
  type StepSpec,
  type TerminalOutcome,
  statusOf,
  unreachable,
} from "../protocol/model.js";
import { pidDirOf, workspaceDirOf } from "../protocol/state-folder.js";
import { JOB_TAG } from "../protocol/tags.js";
import { readStat } from "../os/proc-stat.js";
import { bootSweep } from "./boot-sweep.js";
import type { FaultSet } from "./fault-set.js";
import { Journal } from "./journal.js";
import { AcpProcessPool } from "./process-pool.js";
import type { ResourceManager } from "./resource-manager.js";
import { WorkspacePool } from "./workspace-pool.js";

/** What this engine can do: everything the protocol names, every fault it names. */
export const CAPABILITIES: Capabilities = {
  outcomes: ["completed", "no_terminal_reached", "step_failed", "abandoned", "cancelled", "shutdown", "timeout", "sub_job_failed", "engine_restarted"],
  executors: ["agent", "script", "sleep", "sub_job"],
  exitActions: ["advance", "loop", "escalate", "abandon"],
  onError: ["fail", "continue", "abandon"],
  stepTimeouts: true,
  commands: ["cancel", "resume"],
  crashRestart: true,
  ledgers: true,
  pool: true,
  pidFiles: true,
  workspaces: true,
  faults: Object.keys(FAULTS) as Capabilities["faults"],
};

export interface EngineOptions {
  stateDir: string;
  profiles: AdapterProfiles;
  faults: FaultSet;
  killGraceMs: number;
  handshakeTimeoutMs: number;
  emit: (event: EngineEvent) => void;
}

/** How one step run ended, as its executor saw it. */
type RunResult =
  | { kind: "completed"; output: string }
  | { kind: "failed"; error: string }
  | { kind: "timeout" }
  | { kind: "sub_job_failed"; subJob: string };

class SubJobFailed extends Error {
  constructor(readonly subJob: string) {
    super(`sub-job ${subJob} failed`);
  }
}

interface Job {
  id: string;
  flow: Flow;
  state: JobState;
  runs: StepRun[];
  /** Steps whose latest run completed and advanced. */
  done: Set<string>;
  /** Steps whose latest run failed under `on_error: continue`. */
  failed: Set<string>;
  inflight: Map<string, AbortController>;
  loops: Map<string, number>;
  workspace: Promise<string>;
  /** Resolves when the job reaches a terminal state; a parent waits on its sub-jobs with it. */
  ended: Promise<TerminalOutcome>;
  end: (outcome: TerminalOutcome) => void;
}

export class Engine {
  private readonly jobs = new Map<string, Job>();
  private readonly acp: AcpProcessPool;
  private readonly workspaces: WorkspacePool;
  private readonly managers: ResourceManager[];
  /** Releases under way, each with the job it releases. */
  private readonly finishing = new Map<Promise<void>, string>();
  /** Script processes until they are gone: an engine that exits first would orphan a dying group. */
  private readonly scripts = new Set<Promise<void>>();
  private runCounter = 0;
  private stopping: Promise<void> | null = null;
  private readonly journal: Journal;

  constructor(private readonly options: EngineOptions) {
    this.journal = new Journal(`${options.stateDir}/journal.jsonl`);
    this.acp = new AcpProcessPool({
      owner: options.stateDir,
      pidDir: pidDirOf(options.stateDir),
      profiles: options.profiles,
      faults: options.faults,
      killGraceMs: options.killGraceMs,
      handshakeTimeoutMs: options.handshakeTimeoutMs,
      onEvent: options.emit,
    });
    this.workspaces = new WorkspacePool(workspaceDirOf(options.stateDir));
    this.managers = [this.acp, this.workspaces];
  }

  /**
   * Boot: sweep the orphans a crashed predecessor left, then end the jobs it stranded through the
   * same choke point as every other end, so they are released too.
   */
  async recover(): Promise<void> {
    await this.workspaces.sweepOrphans();
    const sweep = await bootSweep({
      owner: this.options.stateDir,
      pidDir: pidDirOf(this.options.stateDir),
      faults: this.options.faults,
      killGraceMs: this.options.killGraceMs,
    });
    const stranded = this.journal.stranded();
    this.options.emit({ event: "engine.recovered", sweep, stranded: stranded.map((s) => s.jobId) });
    for (const entry of stranded) {
      const job = this.createJob(entry.jobId, entry.flow, entry.parent, false);
      this.finish(job, { kind: "engine_restarted" });
    }
    await this.settled();
  }

  submit(jobId: string, flow: Flow): void {
    if (this.jobs.has(jobId)) throw new InputError(`job ${jobId} exists already`);
    this.tick(this.createJob(jobId, flow, null, true));
  }

  private createJob(jobId: string, flow: Flow, parent: string | null, journal: boolean): Job {
    let end: (outcome: TerminalOutcome) => void = () => undefined;
    const ended = new Promise<TerminalOutcome>((resolve) => (end = resolve));
    const job: Job = {
      id: jobId,
      flow,
      state: { kind: "running" },
      runs: [],
      done: new Set(),
      failed: new Set(),
      inflight: new Map(),
      loops: new Map(),
      workspace: this.workspaces.acquire(jobId),
      ended,
      end,
    };
    this.jobs.set(jobId, job);
    if (journal) this.journal.append({ type: "submitted", jobId, flow, parent });
    this.options.emit({ event: "job.started", jobId, parent });
    return job;
  }

  cancel(jobId: string): void {
    const job = this.job(jobId);
    if (job.state.kind !== "terminal") this.finish(job, { kind: "cancelled" });
  }

  resume(jobId: string): void {
    const job = this.job(jobId);
    if (job.state.kind !== "paused") throw new InputError(`job ${jobId} is not paused`);
    job.state = { kind: "running" };
    job.loops.clear();
    this.options.emit({ event: "job.resumed", jobId });
    this.tick(job);
  }

  /** Ends every live job through the choke point, then releases whatever is left. */
  shutdown(): Promise<void> {
    this.stopping ??= this.stop();
    return this.stopping;
  }

  private async stop(): Promise<void> {
    for (const job of this.jobs.values()) {
      if (job.state.kind !== "terminal") this.finish(job, { kind: "shutdown" });
    }
    await this.settled();
    if (!this.options.faults.has("shutdown-skips-release")) {
      for (const manager of this.managers) await manager.releaseAll();
    }
    await Promise.all(this.scripts);
  }

  /** Resolves when every release under way has finished. */
  async settled(): Promise<void> {
    while (this.finishing.size > 0) await Promise.all(this.finishing.keys());
  }

  snapshot(): EngineSnapshot {
    return {
      releasesInFlight: this.finishing.size,
      releasing: [...new Set(this.finishing.values())],
      jobs: [...this.jobs.values()].map((j) => ({ id: j.id, state: j.state, runs: j.runs.map((r) => ({ ...r })) })),
      ledgers: this.managers.map((m) => ({ manager: m.name, releasedJobs: [...m.releasedJobs] })),
      pool: this.acp.snapshot(),
      workspaces: this.workspaces.snapshot(),
    };
  }

  private job(jobId: string): Job {
    const job = this.jobs.get(jobId);
    if (job === undefined) throw new InputError(`no job ${jobId}`);
    return job;
  }

  private finish(job: Job, outcome: TerminalOutcome): void {
    const done = this.finishJob(job, outcome)
      .catch((error: unknown) => this.options.emit({ event: "resource.release_failed", manager: "*", jobId: job.id, error: String(error) }))
      .finally(() => this.finishing.delete(done));
    this.finishing.set(done, job.id);
  }

  /**
   * The one way a job ends: mark it, stop its in-flight runs, release every manager once, say so.
   * Every terminal path calls this; none cleans up on its own.
   */
  private async finishJob(job: Job, outcome: TerminalOutcome): Promise<void> {
    if (job.state.kind === "terminal") return;
    job.state = { kind: "terminal", status: statusOf(outcome), outcome };
    const leaveInflight = outcome.kind === "abandoned" && this.options.faults.has("abandon-leaves-inflight-runs");
    if (!leaveInflight) this.cancelInflight(job);
    this.journal.append({ type: "terminal", jobId: job.id });
    this.options.emit({ event: "job.terminal", jobId: job.id, status: job.state.status, outcome });
    job.end(outcome);
    if (this.options.faults.has(releaseFaultFor(outcome))) return;
    const times = this.options.faults.has("double-release") ? 2 : 1;
    await job.workspace.catch(() => undefined);
    for (let i = 0; i < times; i++) {
      for (const manager of this.managers) {
        // One manager's failure must not cost the others their release, nor the engine its life.
        try {
          await manager.releaseForJob(job.id);
          this.options.emit({ event: "resource.released", manager: manager.name, jobId: job.id });
        } catch (error) {
          this.options.emit({ event: "resource.release_failed", manager: manager.name, jobId: job.id, error: String(error) });
        }
      }
    }
  }

  private cancelInflight(job: Job): void {
    for (const run of job.runs) {
      if (run.status !== "running") continue;
      run.status = "cancelled";
      job.inflight.get(run.id)?.abort();
      this.options.emit({ event: "step.settled", jobId: job.id, step: run.step, runId: run.id, status: run.status });
    }
    job.inflight.clear();
  }

  private running(job: Job, step: string): boolean {
    return job.runs.some((r) => r.step === step && r.status === "running");
  }

  private ready(job: Job): StepSpec[] {
    return job.flow.steps.filter(
      (s) =>
        !job.done.has(s.name) &&
        !job.failed.has(s.name) &&
        !this.running(job, s.name) &&
        s.after.every((dep) => job.done.has(dep)),
    );
  }

  /** Terminal steps are those no other step waits for. */
  private leaves(job: Job): string[] {
    const awaited = new Set(job.flow.steps.flatMap((s) => s.after));
    return job.flow.steps.map((s) => s.name).filter((name) => !awaited.has(name));
  }

  private tick(job: Job): void {
    if (job.state.kind !== "running") return;
    if (this.leaves(job).every((name) => job.done.has(name))) {
      this.finish(job, { kind: "completed" });
      return;
    }
    const ready = this.ready(job);
    if (ready.length === 0 && !job.runs.some((r) => r.status === "running")) {
      this.finish(job, { kind: "no_terminal_reached" });
      return;
    }
    for (const step of ready) this.startRun(job, step);
  }

  private startRun(job: Job, step: StepSpec): void {
    const iteration = job.runs.filter((r) => r.step === step.name).length + 1;
    const run: StepRun = {
      id: `${job.id}/${step.name}/${++this.runCounter}`,
      step: step.name,
      iteration,
      status: "running",
      output: null,
      error: null,
    };
    const controller = new AbortController();
    job.runs.push(run);
    job.inflight.set(run.id, controller);
    this.options.emit({ event: "step.started", jobId: job.id, step: step.name, runId: run.id, iteration });
    void this.execute(job, step, run, controller.signal).then((result) => this.onRunSettled(job, step, run, result));
  }

  private async execute(job: Job, step: StepSpec, run: StepRun, signal: AbortSignal): Promise<RunResult> {
    const deadline = step.timeoutMs === null ? null : AbortSignal.timeout(step.timeoutMs);
    const both = deadline === null ? signal : AbortSignal.any([signal, deadline]);
    try {
      // A step ends when its signal fires even if its executor does not notice (an adapter that
      // ignores session/cancel, a handshake that hangs): the timeout and the cancel are the engine's.
      const output = await untilAborted(this.executeStep(job, step, run, both), both);
      return { kind: "completed", output };
    } catch (error) {
      if (deadline?.aborted === true) return { kind: "timeout" };
      if (error instanceof SubJobFailed) return { kind: "sub_job_failed", subJob: error.subJob };
      return { kind: "failed", error: error instanceof Error ? error.message : String(error) };
    }
  }

  private async executeStep(job: Job, step: StepSpec, run: StepRun, signal: AbortSignal): Promise<string> {
    const executor = step.executor;
    switch (executor.kind) {
      case "agent": {
        const lease = await this.acp.acquire(job.id, executor.agent, await job.workspace);
        signal.throwIfAborted();
        this.options.emit({ event: "agent.prompt_sent", jobId: job.id, step: step.name, runId: run.id, pid: lease.pid });
        return await lease.prompt(executor.prompt, signal);
      }
      case "script":
        return await runScript(executor.command, await job.workspace, job.id, signal, (child, gone) => {
          this.scripts.add(gone);
          void gone.then(() => this.scripts.delete(gone));
          const pid = child.pid ?? 0;
          this.options.emit({ event: "script.spawned", jobId: job.id, runId: run.id, pid, pgid: pid, starttime: readStat(pid)?.starttime ?? 0 });
        });
      case "sleep":
        await sleep(executor.ms, undefined, { signal });
        return "";
      case "sub_job":
        return await this.runSubJob(job, run, executor.flow, signal);
      default:
        return unreachable(executor);
    }
  }

  /** A sub-job is a job of its own, with its own resources; cancelling the run cancels it. */
  private async runSubJob(parent: Job, run: StepRun, flow: Flow, signal: AbortSignal): Promise<string> {
    const child = this.createJob(`${parent.id}.${run.step}-${run.iteration}`, flow, parent.id, true);
    const onAbort = (): void => this.finish(child, { kind: "cancelled" });
    signal.addEventListener("abort", onAbort, { once: true });
    this.tick(child);
    const outcome = await child.ended;
    signal.removeEventListener("abort", onAbort);
    signal.throwIfAborted();
    if (outcome.kind !== "completed") throw new SubJobFailed(child.id);
    return "";
  }

  private onRunSettled(job: Job, step: StepSpec, run: StepRun, result: RunResult): void {
    job.inflight.delete(run.id);
    // A run already cancelled by finishJob, or left behind under a terminal job, stays as it is.
    if (run.status !== "running" || job.state.kind === "terminal") return;
    switch (result.kind) {
      case "completed":
        run.status = "completed";
        run.output = result.output;
        this.emitSettled(job, run);
        this.applyExitRules(job, step, result.output);
        break;
      case "failed":
        run.status = "failed";
        run.error = result.error;
        this.emitSettled(job, run);
        this.routeFailure(job, step, result.error);
        break;
      case "timeout":
        run.status = "failed";
        run.error = `timed out after ${step.timeoutMs} ms`;
        this.emitSettled(job, run);
        this.finish(job, { kind: "timeout", step: step.name });
        break;
      case "sub_job_failed":
        run.status = "failed";
        run.error = `sub-job ${result.subJob} failed`;
        this.emitSettled(job, run);
        this.finish(job, { kind: "sub_job_failed", step: step.name, subJob: result.subJob });
        break;
      default:
        unreachable(result);
    }
    this.tick(job);
  }

  private emitSettled(job: Job, run: StepRun): void {
    this.options.emit({ event: "step.settled", jobId: job.id, step: run.step, runId: run.id, status: run.status });
  }

  private applyExitRules(job: Job, step: StepSpec, output: string): void {
    const rule = step.exitRules.find((r) => r.when.kind === "always" || output.includes(r.when.text));
    if (rule === undefined) {
      job.done.add(step.name);
      return;
    }
    const action = rule.action;
    switch (action.kind) {
      case "advance":
        job.done.add(step.name);
        return;
      case "escalate":
        job.done.add(step.name);
        this.pause(job, { kind: "escalated", step: step.name, rule: rule.name });
        return;
      case "abandon":
        this.finish(job, { kind: "abandoned", via: "exit_rule", step: step.name, rule: rule.name });
        return;
      case "loop": {
        const key = `${step.name}/${rule.name}`;
        const count = (job.loops.get(key) ?? 0) + 1;
        job.loops.set(key, count);
        if (count > action.maxIterations) {
          job.done.add(step.name);
          this.pause(job, { kind: "loop_limit", step: step.name, rule: rule.name });
          return;
        }
        for (const name of this.downstreamOf(job, action.target)) job.done.delete(name);
        return;
      }
      default:
        unreachable(action);
    }
  }

  private routeFailure(job: Job, step: StepSpec, error: string): void {
    switch (step.onError) {
      case "fail":
        this.finish(job, { kind: "step_failed", step: step.name, error });
        return;
      case "abandon":
        this.finish(job, { kind: "abandoned", via: "failure_routing", step: step.name, error });
        return;
      case "continue":
        job.failed.add(step.name);
        return;
      default:
        unreachable(step.onError);
    }
  }

  /** A step and every step that waits on it, directly or not. */
  private downstreamOf(job: Job, target: string): Set<string> {
    const found = new Set([target]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const s of job.flow.steps) {
        if (!found.has(s.name) && s.after.some((dep) => found.has(dep))) {
          found.add(s.name);
          grew = true;
        }
      }
    }
    return found;
  }

  private pause(job: Job, reason: PauseReason): void {
    job.state = { kind: "paused", reason };
    this.options.emit({ event: "job.paused", jobId: job.id, reason });
  }
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(new Error("aborted"));
    if (signal.aborted) onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/** A shell command run in the job's workspace, tagged with the job, killed with its group on abort. */
function runScript(
  command: string,
  cwd: string,
  jobId: string,
  signal: AbortSignal,
  started: (child: ChildProcess, gone: Promise<void>) => void,
): Promise<string> {
  // A run cancelled while its workspace was being made must not start: no abort would reach it.
  if (signal.aborted) return Promise.reject(new Error("aborted"));
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", command], {
      cwd,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, [JOB_TAG]: jobId },
    });
    // "close" comes once the last holder of its pipes is gone: the whole script, not just its shell.
    const gone = new Promise<void>((done) => child.once("close", () => done()).once("error", () => done()));
    if (child.pid !== undefined) started(child, gone);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const onAbort = (): void => {
      // No pid means the spawn failed: there is no group, and kill(-0) would hit our own.
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    };
    signal.addEventListener("abort", onAbort, { once: true });
    child.once("error", (error) => {
      signal.removeEventListener("abort", onAbort);
      reject(error);
    });
    child.once("close", (code) => {
      signal.removeEventListener("abort", onAbort);
      if (signal.aborted) reject(new Error("aborted"));
      else if (code === 0) resolve(stdout);
      else reject(new Error(`script exited ${code}: ${stderr.trim().slice(0, 200)}`));
    });
  });
}
