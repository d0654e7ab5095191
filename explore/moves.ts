// The explorer's moves (fast-check's model commands): what a user or the host does to a running
// engine. Each runs against the real system, updates the model, then has the system checked.
import fc from "fast-check";
import { flowArbitrary, weighted } from "./flow-arbitrary.js";
import { type FlowDraft, toFlowDocument } from "./flow-draft.js";
import type { SettleMode } from "./history.js";
import { type ExploreModel, type JobModel, type Limits, type Seen, expectIfPaused } from "./model.js";
import type { ExploreSystem } from "./system.js";

export type ExploreMove = fc.AsyncCommand<ExploreModel, ExploreSystem>;

const jobAt = (model: Readonly<ExploreModel>, pick: number): JobModel => model.jobs[pick % model.jobs.length]!;

/**
 * Preconditions read what the model last saw, so a command with nothing to act on is skipped and
 * a shrunk history carries no no-ops.
 */
const seenAs = (model: Readonly<ExploreModel>, pick: number, ...states: Seen[]): boolean =>
  model.jobs.length > 0 && states.includes(jobAt(model, pick).seen);

/** After the command: wait for the jobs if asked, then check. */
async function settle(model: ExploreModel, system: ExploreSystem, then: SettleMode): Promise<void> {
  if (then === "idle") await system.waitIdle(model);
  await system.settle(model);
}

class Submit implements ExploreMove {
  constructor(
    private readonly draft: FlowDraft,
    private readonly then: SettleMode,
    private readonly limits: Limits,
  ) {}

  check(model: Readonly<ExploreModel>): boolean {
    return model.jobs.length < this.limits.maxJobs;
  }

  async run(model: ExploreModel, system: ExploreSystem): Promise<void> {
    const job: JobModel = { name: `j${model.jobs.length + 1}`, seen: "running", expect: null };
    model.jobs.push(job);
    await system.submit(job.name, toFlowDocument(this.draft), this.then);
    await settle(model, system, this.then);
  }

  toString(): string {
    return `submit(${JSON.stringify(toFlowDocument(this.draft))}, ${this.then})`;
  }
}

/** Cancels a job that has not ended, running or paused. */
class Cancel implements ExploreMove {
  constructor(
    private readonly pick: number,
    private readonly then: SettleMode,
  ) {}

  check(model: Readonly<ExploreModel>): boolean {
    return seenAs(model, this.pick, "running", "paused");
  }

  async run(model: ExploreModel, system: ExploreSystem): Promise<void> {
    const job = jobAt(model, this.pick);
    expectIfPaused(job, { status: "cancelled", reason: "cancelled" });
    await system.act("cancel", job, this.then);
    await settle(model, system, this.then);
  }

  toString(): string {
    return `cancel(#${this.pick}, ${this.then})`;
  }
}

class Resume implements ExploreMove {
  constructor(
    private readonly pick: number,
    private readonly then: SettleMode,
  ) {}

  check(model: Readonly<ExploreModel>): boolean {
    return seenAs(model, this.pick, "paused");
  }

  async run(model: ExploreModel, system: ExploreSystem): Promise<void> {
    await system.act("resume", jobAt(model, this.pick), this.then);
    await settle(model, system, this.then);
  }

  toString(): string {
    return `resume(#${this.pick}, ${this.then})`;
  }
}

/**
 * The engine goes away and a new one starts on the same state: SIGKILL, as the OOM killer would,
 * or a graceful shutdown (checked against the engine's final state). Paused jobs end with it.
 */
class EngineEnds implements ExploreMove {
  constructor(
    private readonly how: "crash-restart" | "shutdown",
    private readonly then: SettleMode,
  ) {}

  check(model: Readonly<ExploreModel>): boolean {
    return model.restartsLeft > 0;
  }

  async run(model: ExploreModel, system: ExploreSystem): Promise<void> {
    model.restartsLeft--;
    const reason = this.how === "crash-restart" ? "engine_restarted" : "shutdown";
    for (const job of model.jobs) expectIfPaused(job, { status: "failed", reason });
    switch (this.how) {
      case "crash-restart":
        await system.crashRestart(this.then);
        break;
      case "shutdown":
        await system.shutdown(model, this.then);
        break;
    }
    await settle(model, system, this.then);
  }

  toString(): string {
    return `${this.how}(${this.then})`;
  }
}

/** "idle" first: the simpler history, where a failure shows at the command that caused it. */
const thenArbitrary = weighted<SettleMode>(["idle", 1], ["now", 1]);

export function movesArbitrary(limits: Limits, maxCommands: number, replayPath?: string): fc.Arbitrary<Iterable<ExploreMove>> {
  const submit = fc.tuple(flowArbitrary, thenArbitrary).map(([draft, then]) => new Submit(draft, then, limits));
  const pick = fc.tuple(fc.nat({ max: limits.maxJobs - 1 }), thenArbitrary);
  return fc.commands(
    [
      // Listed twice: jobs are what the other commands act on, so submits come twice as often.
      submit,
      submit,
      pick.map(([p, then]) => new Cancel(p, then)),
      pick.map(([p, then]) => new Resume(p, then)),
      thenArbitrary.map((then) => new EngineEnds("crash-restart", then)),
      thenArbitrary.map((then) => new EngineEnds("shutdown", then)),
    ],
    { maxCommands, ...(replayPath === undefined ? {} : { replayPath }) },
  );
}
