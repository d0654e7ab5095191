// One pass of a soak: the scenario's jobs, submitted again under fresh ids, with every agent step
// given a model of its own. The pool shares a chain between equal agent configs, so without a
// distinct model all passes would lease one chain and a leak could never add up.
import type { FlowDocument } from "../protocol/flow-schema.js";
import { unreachable } from "../protocol/model.js";
import type { EngineSession } from "../harness/engine-session.js";
import { type Action, type Scenario, triggers } from "../harness/scenario.js";

export interface PassJob {
  /** The job's id in the scenario file. */
  id: string;
  /** Its id in the engine, unique to this pass. */
  engineId: string;
  flow: FlowDocument;
}

export interface PassShape {
  run: string;
  index: number;
  /** Per-process ballast for every agent step; null keeps the scenario's own. */
  ballastMb: number | null;
}

type StepDocument = FlowDocument["steps"][number];

function forPass(step: StepDocument, shape: PassShape): StepDocument {
  if (step.agent === undefined) return step;
  return {
    ...step,
    agent: {
      ...step.agent,
      model: `${step.agent.model ?? "default"}@soak-${shape.index}`,
      ...(shape.ballastMb === null ? {} : { ballast_mb: shape.ballastMb }),
    },
  };
}

export function passJobs(scenario: Scenario, shape: PassShape): PassJob[] {
  return scenario.jobs.map((job) => ({
    id: job.id,
    engineId: `${shape.run}.${shape.index}.${job.id}`,
    flow: { ...job.flow, steps: job.flow.steps.map((step) => forPass(step, shape)) },
  }));
}

/** What an action does to the engine a soak shares between all its jobs; null when it is harmless. */
function engineWideEffect(action: Action): string | null {
  switch (action.do) {
    case "cancel":
    case "resume":
      return null;
    case "shutdown":
      return "shuts the engine down";
    case "crash-restart":
      return "crashes and restarts the engine";
    case "plant-decoy":
      return "plants a decoy process outside the engine";
    default:
      return unreachable(action.do);
  }
}

/** Why a scenario cannot be soaked, or null when it can: a soak runs every job on one engine. */
export function unsoakable(scenario: Scenario): string | null {
  for (const action of scenario.actions) {
    const effect = engineWideEffect(action);
    if (effect !== null) return `scenario "${scenario.id}" ${effect}, and a soak runs every job on one engine`;
  }
  return null;
}

/**
 * Submits the pass, performs its scenario actions (cancel or resume, now or on their event), and
 * resolves with the errors met once every job of the pass has ended or `ended` resolves first.
 */
export async function runPass(
  engine: EngineSession,
  scenario: Scenario,
  jobs: readonly PassJob[],
  options: { jobTimeoutMs: number; halted: Promise<void> },
): Promise<string[]> {
  const engineIdOf = (id: string): string => jobs.find((j) => j.id === id)?.engineId ?? id;
  const errors: string[] = [];
  const performed: Promise<void>[] = [];
  // unsoakable() has turned away every scenario with any other action.
  const perform = (action: Action): void => {
    if (action.do !== "cancel" && action.do !== "resume") return;
    const cmd = action.do;
    performed.push(
      engine.request({ cmd, jobId: engineIdOf(action.job ?? "") }).then((reply) => {
        if (!reply.ok) errors.push(`${cmd}: ${reply.error}`);
      }),
    );
  };
  const waiting = scenario.actions.filter((a) => a.when !== undefined);
  const stop = engine.onEvent((event) => {
    for (const action of [...waiting]) {
      if (!triggers(action, event, engineIdOf)) continue;
      waiting.splice(waiting.indexOf(action), 1);
      perform(action);
    }
  });
  try {
    for (const job of jobs) {
      const reply = await engine.request({ cmd: "submit", jobId: job.engineId, flow: job.flow });
      if (!reply.ok) return [...errors, `submit ${job.engineId}: ${reply.error}`];
    }
    for (const action of scenario.actions.filter((a) => a.when === undefined)) perform(action);
    const ended = await Promise.race([
      Promise.all(
        jobs.map((job) => engine.waitFor((e) => e.event === "job.terminal" && e.jobId === job.engineId, options.jobTimeoutMs)),
      ),
      options.halted.then(() => null),
    ]);
    if (ended !== null) {
      // Name where each stuck job stopped: its last event is where to look first.
      const lastEvent = (jobId: string): string => {
        const last = [...engine.events].reverse().find((e) => "jobId" in e && e.jobId === jobId);
        return last === undefined ? "no event" : `last event ${last.event}${"step" in last ? ` ${last.step}` : ""}`;
      };
      const stuck = jobs.filter((_, i) => ended[i] === null).map((j) => `${j.engineId} (${lastEvent(j.engineId)})`);
      if (stuck.length > 0) errors.push(`jobs did not end within ${options.jobTimeoutMs} ms: ${stuck.join(", ")}`);
    }
    await Promise.all(performed);
    return errors;
  } finally {
    stop();
  }
}
