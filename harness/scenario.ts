// Scenario files: one YAML document per terminal transition, validated before anything spawns.
// Every error names the file, the line and the field.
import { readFileSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import { z } from "zod";
import type { EngineEvent } from "../protocol/messages.js";
import { type FlowDocument, type SchemaIssue, flowSchema, formatPath, issuesOf } from "../protocol/flow-schema.js";
import { OUTCOME_KINDS } from "../protocol/model.js";

const name = z.string().regex(/^[A-Za-z0-9_.-]+$/, "a name of letters, digits, '_', '.' or '-'");

export const TRIGGER_EVENTS = ["job.started", "step.started", "agent.prompt_sent", "step.settled", "job.paused", "job.terminal"] as const;

const actionSchema = z
  .strictObject({
    when: z
      .strictObject({ event: z.enum(TRIGGER_EVENTS), job: name, step: name.optional() })
      .optional(),
    do: z.enum(["cancel", "resume", "shutdown", "crash-restart", "plant-decoy"]),
    job: name.optional(),
    delay_ms: z.number().int().nonnegative().default(0),
  })
  .superRefine((action, ctx) => {
    if ((action.do === "cancel" || action.do === "resume") && action.job === undefined) {
      ctx.addIssue({ code: "custom", path: ["job"], message: `"${action.do}" needs the job it acts on` });
    }
  });

const scenarioSchema = z
  .strictObject({
    id: name,
    title: z.string().min(1),
    description: z.string().optional(),
    engine: z
      .strictObject({
        handshake_timeout_ms: z.number().int().positive().optional(),
        kill_grace_ms: z.number().int().nonnegative().optional(),
      })
      .default({}),
    jobs: z.array(z.strictObject({ id: name, flow: flowSchema })).min(1),
    actions: z.array(actionSchema).default([]),
    expect: z.record(
      name,
      z.strictObject({ status: z.enum(["completed", "failed", "cancelled"]), reason: z.enum(OUTCOME_KINDS) }),
    ),
  })
  .superRefine((scenario, ctx) => {
    const ids = new Set(scenario.jobs.map((j) => j.id));
    scenario.jobs.forEach((job, i) => {
      if (!(job.id in scenario.expect)) {
        ctx.addIssue({ code: "custom", path: ["expect"], message: `no expectation for job "${job.id}"` });
      }
      if (scenario.jobs.findIndex((j) => j.id === job.id) !== i) {
        ctx.addIssue({ code: "custom", path: ["jobs", i, "id"], message: `duplicate job "${job.id}"` });
      }
    });
    scenario.jobs.forEach((job, i) => {
      job.flow.steps.forEach((step, j) => {
        if (step.agent !== undefined && step.agent.profile !== "default") {
          ctx.addIssue({
            code: "custom",
            path: ["jobs", i, "flow", "steps", j, "agent", "profile"],
            message: `no adapter profile "${step.agent.profile}" here: a scenario runs on the adapter under test, "default" (pick it with --adapter)`,
          });
        }
      });
    });
    for (const key of Object.keys(scenario.expect)) {
      if (!ids.has(key)) ctx.addIssue({ code: "custom", path: ["expect", key], message: `no job named "${key}"` });
    }
    scenario.actions.forEach((action, i) => {
      for (const [field, job] of [["job", action.job], ["when", action.when?.job]] as const) {
        if (job !== undefined && !ids.has(job)) {
          ctx.addIssue({ code: "custom", path: ["actions", i, field], message: `no job named "${job}"` });
        }
      }
      const when = action.when;
      const flow = scenario.jobs.find((j) => j.id === when?.job)?.flow;
      if (when?.step !== undefined && flow !== undefined && !flow.steps.some((s) => s.name === when.step)) {
        ctx.addIssue({ code: "custom", path: ["actions", i, "when", "step"], message: `job "${when.job}" has no step "${when.step}"` });
      }
    });
  });

type Parsed = z.output<typeof scenarioSchema>;

export type Action = Parsed["actions"][number];
export type Expectation = Parsed["expect"][string];
export type EngineSettings = Parsed["engine"];

export interface Scenario {
  id: string;
  title: string;
  description: string;
  file: string;
  /** The file's text, for repro bundles. */
  source: string;
  engine: EngineSettings;
  jobs: { id: string; flow: FlowDocument }[];
  actions: Action[];
  expect: Record<string, Expectation>;
}

export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${file}${line === null ? "" : `:${line}`}: ${field === "" ? "" : `${field}: `}${reason}`);
  }
}

/** The node at a path, or its nearest ancestor when the field is missing. */
function nodeAt(root: Node | null, path: readonly (string | number)[]): Node | null {
  let node = root;
  for (const key of path) {
    let next: unknown = null;
    if (isMap(node)) next = node.get(key, true);
    else if (isSeq(node) && typeof key === "number") next = node.get(key, true);
    if (next === null || next === undefined || (!isMap(next) && !isSeq(next) && !isScalar(next))) return node;
    node = next as Node;
  }
  return node;
}

export function parseScenario(text: string, file: string): Scenario {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  const syntax = doc.errors[0];
  if (syntax !== undefined) {
    throw new ScenarioError(file, syntax.linePos?.[0].line ?? null, "", `not valid YAML: ${syntax.message.split("\n")[0]}`);
  }
  const result = scenarioSchema.safeParse(doc.toJS());
  if (!result.success) {
    const issue: SchemaIssue = issuesOf(result.error)[0] ?? { path: [], message: "invalid" };
    const node = nodeAt(doc.contents, issue.path);
    const offset = node?.range?.[0];
    throw new ScenarioError(file, offset === undefined ? null : lineCounter.linePos(offset).line, formatPath(issue.path), issue.message);
  }
  const stem = basename(file).replace(/\.ya?ml$/, "");
  if (result.data.id !== stem) {
    throw new ScenarioError(file, lineCounter.linePos(nodeAt(doc.contents, ["id"])?.range?.[0] ?? 0).line, "id", `"${result.data.id}" must match the file name "${stem}"`);
  }
  const { id, title, description, engine, jobs, actions, expect } = result.data;
  return {
    id,
    title,
    description: description ?? "",
    file,
    source: text,
    engine,
    // Keep each flow as its document: the engine validates and reads it itself.
    jobs: jobs.map((job, i) => ({ id: job.id, flow: (doc.toJS() as { jobs: { flow: FlowDocument }[] }).jobs[i]!.flow })),
    actions,
    expect,
  };
}

export function loadScenario(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ScenarioError(file, null, "", `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return parseScenario(text, file);
}

export function scenarioFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

/** Picks scenarios by id; an unknown id is an error naming the known ones. */
export function selectScenarios(all: Scenario[], only: readonly string[]): Scenario[] {
  if (only.length === 0) return all;
  return only.map((id) => {
    const found = all.find((s) => s.id === id);
    if (found === undefined) {
      throw new ScenarioError("scenarios", null, "--only", `unknown scenario "${id}"; known: ${all.map((s) => s.id).join(", ")}`);
    }
    return found;
  });
}

/** Whether an engine event is the moment an action waits for; `engineIdOf` maps a scenario job id. */
export function triggers(action: Action, event: EngineEvent, engineIdOf: (id: string) => string): boolean {
  const when = action.when;
  if (when === undefined || event.event !== when.event) return false;
  if (!("jobId" in event) || event.jobId !== engineIdOf(when.job)) return false;
  return when.step === undefined || ("step" in event && event.step === when.step);
}
