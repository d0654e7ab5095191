// One pass of a soak: the scenario's jobs, submitted again under fresh ids, with every agent step
// given a model of its own. The pool shares a chain between equal agent configs, so without a
// distinct model all passes would lease one chain and a leak could never add up.
import type { FlowDocument } from "../protocol/flow-schema.js";
import { unreachable } from "../protocol/model.js";
import type { Action, Scenario } from "../harness/scenario.js";
import type { PlayedJob } from "../harness/scenario-player.js";

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

/** The scenario's jobs for one pass, under ids unique to the pass. */
export function passJobs(scenario: Scenario, shape: PassShape): PlayedJob[] {
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
