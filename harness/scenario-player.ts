// The one scenario player: submits a scenario's jobs under the ids the engine knows them by,
// performs its actions on their trigger events (after their delay; `job.released` once the
// engine's snapshot has the job's release done), and waits for every job to end. The gate plays
// each scenario once; the soak plays it again and again on one engine.
import type { FlowDocument } from "../protocol/flow-schema.js";
import type { EngineSession } from "./engine-session.js";
import { type Action, endsReleaseWait, triggers } from "./scenario.js";
import { waitUntil } from "./wait-until.js";

export interface PlayedJob {
  /** The job's id in the scenario file. */
  id: string;
  /** Its id in the engine. */
  engineId: string;
  flow: FlowDocument;
}

export interface PlayOptions {
  jobTimeoutMs: number;
  /** Performs what acts on the engine as a whole (shutdown, crash-restart, plant-decoy); cancel and resume the player sends itself. */
  engineAction: (action: Action) => Promise<void>;
  /** Stops the wait for the jobs early (the soak's memory floor); absent, the player waits them out. */
  halted?: Promise<void>;
}

export interface Played {
  /** What keeps the scenario from saying what it claims: a refused submit, jobs that never ended, actions that never triggered. */
  problems: string[];
  /** Actions the engine refused. */
  actionErrors: string[];
}

const whenText = (a: Action): string => `${a.do} on ${a.when?.event} of ${a.when?.job}${a.when?.step === undefined ? "" : `/${a.when.step}`}`;

export async function playScenario(engine: EngineSession, jobs: readonly PlayedJob[], actions: readonly Action[], options: PlayOptions): Promise<Played> {
  const engineIdOf = (id: string): string => jobs.find((j) => j.id === id)?.engineId ?? id;
  const actionErrors: string[] = [];
  const performed: Promise<void>[] = [];
  /**
   * Whether the engine's snapshot has the job's release no longer under way, or why it cannot say.
   * Without `releasing`, it is every release of the engine that must be done.
   */
  const releaseDone = async (jobId: string): Promise<boolean | string> => {
    const reply = await engine.request({ cmd: "state" });
    if (!reply.ok) return reply.error;
    if (reply.state === undefined) return "its reply held no snapshot";
    const { releasing, releasesInFlight } = reply.state;
    return releasing !== undefined ? !releasing.includes(jobId) : releasesInFlight === 0;
  };
  const perform = (action: Action, releaseOf?: string): void => {
    performed.push(
      (async () => {
        if (releaseOf !== undefined) {
          const released = await waitUntil(() => releaseDone(releaseOf), (done) => done !== false, { deadlineMs: options.jobTimeoutMs });
          if (!released.ok) actionErrors.push(`${whenText(action)}: the release was still under way after ${options.jobTimeoutMs} ms`);
          else if (typeof released.value === "string") actionErrors.push(`${whenText(action)}: the engine's state, to wait on the release, could not be read: ${released.value}`);
        }
        if (action.delay_ms > 0) await new Promise((r) => setTimeout(r, action.delay_ms));
        switch (action.do) {
          case "cancel":
          case "resume": {
            const reply = await engine.request({ cmd: action.do, jobId: engineIdOf(action.job ?? "") });
            if (!reply.ok) actionErrors.push(`${action.do}: ${reply.error}`);
            return;
          }
          case "shutdown":
          case "crash-restart":
          case "plant-decoy":
            try {
              await options.engineAction(action);
            } catch (error) {
              actionErrors.push(`${action.do}: ${error instanceof Error ? error.message : String(error)}`);
            }
            return;
        }
      })(),
    );
  };
  const waiting = actions.filter((a) => a.when !== undefined);
  const stop = engine.onEvent((event) => {
    for (const action of [...waiting]) {
      const release = endsReleaseWait(action, event, engineIdOf);
      if (!release && !triggers(action, event, engineIdOf)) continue;
      waiting.splice(waiting.indexOf(action), 1);
      perform(action, release ? event.jobId : undefined);
    }
  });
  try {
    for (const job of jobs) {
      const reply = await engine.request({ cmd: "submit", jobId: job.engineId, flow: job.flow });
      if (!reply.ok) return { problems: [`submit ${job.id}: ${reply.error}`], actionErrors };
    }
    for (const action of actions.filter((a) => a.when === undefined)) perform(action);
    // A crash-restart ends jobs in the next engine: wait on the session's log, which spans both.
    const ended = await Promise.race([
      Promise.all(jobs.map((job) => engine.waitFor((e) => e.event === "job.terminal" && e.jobId === job.engineId, options.jobTimeoutMs))),
      (options.halted ?? new Promise<never>(() => undefined)).then(() => null),
    ]);
    const problems: string[] = [];
    if (ended !== null) {
      // Name where each stuck job stopped: its last event is where to look first.
      const lastEvent = (jobId: string): string => {
        const last = [...engine.events].reverse().find((e) => "jobId" in e && e.jobId === jobId);
        return last === undefined ? "no event" : `last event ${last.event}${"step" in last ? ` ${last.step}` : ""}`;
      };
      const stuck = jobs.filter((_, i) => ended[i] === null).map((j) => `${j.engineId} (${lastEvent(j.engineId)})`);
      if (stuck.length > 0) problems.push(`jobs did not end within ${options.jobTimeoutMs} ms: ${stuck.join(", ")}`);
      // An action whose moment never came means the scenario did not test what it says; how its
      // job ended instead is where to look first.
      const endOf = (jobId: string): string => {
        const end = ended[jobs.findIndex((j) => j.engineId === jobId)];
        if (end?.event !== "job.terminal") return lastEvent(jobId);
        return `ended ${end.status}: ${end.outcome.kind}${"error" in end.outcome ? ` (${end.outcome.error})` : ""}`;
      };
      const untriggered = waiting.map((a) => `${whenText(a)} (the job ${endOf(engineIdOf(a.when?.job ?? ""))})`);
      if (waiting.length > 0) problems.push(`actions never triggered: ${untriggered.join("; ")}`);
    }
    await Promise.all(performed);
    return { problems, actionErrors };
  } finally {
    stop();
  }
}
