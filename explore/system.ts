// The real system under exploration: one engine process (restarted after a crash or a shutdown)
// with the fake adapter, driven by the explorer's commands and checked after each one with the
// gate's invariants, polled until no release is under way.
import type { EngineSnapshot, JobSnapshot } from "../protocol/messages.js";
import type { Fault } from "../protocol/faults.js";
import type { FlowDocument } from "../protocol/flow-schema.js";
import { fakeProfile } from "../harness/adapters/registry.js";
import { DEFAULT_HANDSHAKE_TIMEOUT_MS } from "../os/process-group.js";
import type { EngineSession } from "../harness/engine-session.js";
import { type Check, fail } from "../result/check.js";
import { type Observation, checkJobs, killsOfHeldChains } from "../harness/invariants.js";
import { describeProcesses } from "../result/process.js";
import type { Probe } from "../harness/probes/probe.js";
import { type ProcessInfo, isAlive } from "../result/process.js";
import { reapCgroup } from "../harness/cgroup-reaper.js";
import { reapRun } from "../harness/reaper.js";
import { type RunEngine, startRunEngine } from "../harness/run-engine.js";
import { newRunId } from "../harness/runner.js";
import type { Expectation } from "../harness/scenario.js";
import { waitUntil } from "../harness/wait-until.js";
import type { HistoryEntry, SettleMode } from "./history.js";
import type { ExploreModel, JobModel, Seen } from "./model.js";
import { groupsOf, observeRun } from "../harness/observation.js";
import { FINAL_WHEN_QUIET, InvariantViolation } from "./violation.js";

export interface SystemOptions {
  faults: readonly Fault[];
  probe: Probe;
  /** How long invariants may take to hold once no release is under way. */
  deadlineMs: number;
  /** How long jobs may take to stop running, after an "idle" command and at a run's end. */
  drainMs: number;
  killGraceMs: number;
}

function seenOf(job: JobSnapshot | undefined): Seen {
  if (job === undefined) return "gone";
  switch (job.state.kind) {
    case "terminal":
      return "terminal";
    case "paused":
      return job.runs.some((r) => r.status === "running") ? "running" : "paused";
    case "running":
      return "running";
  }
}

export class ExploreSystem {
  readonly history: HistoryEntry[] = [];
  /** How each job was last seen to end, by name: the scenario file's expectations. */
  readonly outcomes = new Map<string, Expectation>();
  private readonly session: EngineSession;

  private constructor(
    readonly run: string,
    private readonly engine: RunEngine,
    private readonly options: SystemOptions,
  ) {
    this.session = engine.engine;
  }

  static async start(options: SystemOptions): Promise<ExploreSystem> {
    const run = newRunId();
    const engine = await startRunEngine(
      run,
      { id: "explore", engine: {}, realAdapters: null },
      { adapter: fakeProfile, faults: options.faults, killGraceMs: options.killGraceMs, handshakeTimeoutMs: DEFAULT_HANDSHAKE_TIMEOUT_MS },
      "reapcheck-explore",
    );
    return new ExploreSystem(run, engine, options);
  }

  async submit(name: string, flow: FlowDocument, then: SettleMode): Promise<void> {
    this.history.push({ do: "submit", job: name, flow, then });
    const reply = await this.session.request({ cmd: "submit", jobId: this.id(name), flow });
    if (!reply.ok) throw new Error(`submit ${name}: ${reply.error}`);
  }

  async act(command: "cancel" | "resume", job: JobModel, then: SettleMode): Promise<void> {
    this.history.push({ do: command, job: job.name, paused: job.seen === "paused", then });
    const reply = await this.session.request({ cmd: command, jobId: this.id(job.name) });
    if (!reply.ok) throw new Error(`${command} ${job.name}: ${reply.error}`);
  }

  async crashRestart(then: SettleMode): Promise<void> {
    this.history.push({ do: "crash-restart", then });
    await this.session.crashAndRestart();
  }

  /** Graceful shutdown, checked against the engine's last word; then a new engine on the same state. */
  async shutdown(model: ExploreModel, then: SettleMode): Promise<void> {
    this.history.push({ do: "shutdown", then });
    const reply = await this.session.request({ cmd: "shutdown" });
    if (!reply.ok || reply.state === undefined) throw new Error(`shutdown: ${reply.ok ? "no final state" : reply.error}`);
    await this.session.current.exited;
    await this.settle(model, reply.state);
    // Restarting a stopped engine: the session's SIGKILL finds nothing alive to kill.
    await this.session.crashAndRestart();
  }

  /**
   * Checks every ended job (and every job whose end the model knows) with the gate's invariants,
   * polled until no release is under way and they hold, or one that cannot change any more fails,
   * or the deadline passes. Then the model learns what each job is doing.
   */
  async settle(model: ExploreModel, finalState?: EngineSnapshot): Promise<void> {
    const events = this.session.events;
    const evaluate = async (): Promise<{ obs: Observation; checks: Check[] }> => {
      const obs = await observeRun(
        { run: this.run, stateDir: this.engine.stateDir, probe: this.options.probe, events, enginePids: this.session.enginePids },
        async () => finalState ?? (await this.state()),
      );
      if (obs === null) throw new Error("the engine gave no state");
      return { obs, checks: this.checks(model, obs) };
    };
    const settled = await waitUntil(evaluate, ({ obs, checks }) => this.isSettled(obs, checks), {
      deadlineMs: this.options.deadlineMs,
    });
    const { obs, checks } = settled.value;
    this.learn(model, obs.state);
    const failed = checks.filter((c) => !c.ok);
    if (failed.length === 0 && obs.state.releasesInFlight > 0) {
      failed.push(fail("released", "*", `${obs.state.releasesInFlight} release(s) still under way ${this.options.deadlineMs} ms after the command`));
    }
    if (failed.length > 0) {
      throw new InvariantViolation(failed.map((c) => ({ ...c, job: this.short(c.job), detail: c.detail.replaceAll(`${this.run}.`, "") })));
    }
  }

  /** Lets the jobs run until none is running (each ended or paused with nothing in flight). */
  async waitIdle(model: ExploreModel): Promise<void> {
    const idle = await waitUntil(
      () => this.state(),
      (state) => state.jobs.every((j) => seenOf(j) !== "running"),
      { deadlineMs: this.options.drainMs },
    );
    this.learn(model, idle.value);
    if (!idle.ok) throw new Error(`jobs still running ${this.options.drainMs} ms later: ${model.jobs.filter((j) => j.seen === "running").map((j) => j.name).join(", ")}`);
  }

  /**
   * The run's end: waits until no job runs, cancels the paused ones (the model then knows how they
   * end) and, unless only outcomes are wanted, checks everything once more.
   */
  async end(model: ExploreModel, check: boolean): Promise<void> {
    // Already ended (its check failed): only the outcomes are left to learn.
    if (this.history.at(-1)?.do === "end") return this.learn(model, await this.state());
    if (check) await this.waitIdle(model);
    else await this.waitIdle(model).catch(() => undefined);
    const paused = model.jobs.filter((j) => j.seen === "paused");
    this.history.push({ do: "end", cancelled: paused.map((j) => j.name) });
    for (const job of paused) {
      job.expect ??= { status: "cancelled", reason: "cancelled" };
      const reply = await this.session.request({ cmd: "cancel", jobId: this.id(job.name) });
      if (!reply.ok) throw new Error(`cancel ${job.name} at the end: ${reply.error}`);
    }
    if (check) await this.settle(model);
    else this.learn(model, await this.state());
  }

  /** Stops the engine and reaps the run; returns what had to be reaped (a leak). */
  async close(): Promise<ProcessInfo[]> {
    await this.session.stop(3_000);
    const reaped = [
      ...(await reapRun(this.run, this.options.probe, groupsOf(this.session.events))),
      ...(await reapCgroup(this.engine.containment, this.options.probe)),
    ];
    await this.engine.close();
    return reaped;
  }

  static leftBehind(reaped: readonly ProcessInfo[]): InvariantViolation {
    return new InvariantViolation([
      fail("no-tagged-survivor", "*", `still alive after the engine stopped, reaped:\n${describeProcesses(reaped)}`, [...reaped]),
    ]);
  }

  private id(name: string): string {
    return `${this.run}.${name}`;
  }

  private short(id: string): string {
    return id.startsWith(`${this.run}.`) ? id.slice(this.run.length + 1) : id;
  }

  private async state(): Promise<EngineSnapshot> {
    const reply = await this.session.request({ cmd: "state" });
    if (!reply.ok || reply.state === undefined) {
      const stderr = this.session.isAlive ? "" : (await this.session.current.exited).stderr.trim();
      throw new Error(`the engine did not answer: ${reply.ok ? "no state" : reply.error}${stderr === "" ? "" : `\n${stderr}`}`);
    }
    return reply.state;
  }

  private checks(model: ExploreModel, obs: Observation): Check[] {
    const expectations = new Map(model.jobs.map((j) => [this.id(j.name), j.expect]));
    const judged = new Map(
      obs.state.jobs
        .map((job) => [job.id, expectations.get(job.id) ?? null] as const)
        .filter(([id, expect]) => expect !== null || obs.state.jobs.find((j) => j.id === id)?.state.kind === "terminal"),
    );
    const premature = killsOfHeldChains(this.session.events);
    const checks = checkJobs(judged, obs, premature);
    // A live job's chain killed under it is a violation now, not once the job has ended.
    for (const [job, detail] of premature) if (!judged.has(job)) checks.push(fail("no-premature-kill", job, detail));
    // Jobs of an engine that is gone (shut down, or ended before a crash) are in no ledger now;
    // what is left to check is that nothing carries their tag.
    const present = new Set(obs.state.jobs.map((j) => j.id));
    for (const job of model.jobs.map((j) => this.id(j.name)).filter((id) => !present.has(id))) {
      const survivors = obs.processes.filter((p) => p.run === this.run && isAlive(p) && (p.job === job || p.job?.startsWith(`${job}.`) === true));
      if (survivors.length > 0) checks.push(fail("no-tagged-survivor", job, `live processes tagged with a job of an earlier engine:\n${describeProcesses(survivors)}`, survivors));
    }
    return checks;
  }

  private isSettled(obs: Observation, checks: readonly Check[]): boolean {
    if (obs.state.releasesInFlight > 0) return false;
    const ended = new Set(obs.state.jobs.filter((j) => j.state.kind === "terminal").map((j) => j.id));
    return checks.every((c) => c.ok) || checks.some((c) => !c.ok && ended.has(c.job) && FINAL_WHEN_QUIET.has(c.invariant));
  }

  private learn(model: ExploreModel, state: EngineSnapshot): void {
    const jobs = new Map(state.jobs.map((j) => [j.id, j]));
    for (const job of model.jobs) {
      const snapshot = jobs.get(this.id(job.name));
      // A job of an earlier engine stays as it was last seen there.
      if (snapshot === undefined && job.seen === "terminal") continue;
      job.seen = seenOf(snapshot);
      if (snapshot?.state.kind === "terminal") {
        this.outcomes.set(job.name, { status: snapshot.state.status, reason: snapshot.state.outcome.kind });
      }
    }
  }
}
