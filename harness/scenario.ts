// Scenario files: one YAML document per terminal transition, validated before anything spawns.
// Every error names the file, the line and the field.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "./compiled-paths.js";
import type { ScenarioPlan } from "./adapters/profile.js";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import { z } from "zod";
import type { EngineEvent } from "../protocol/messages.js";
import { type FlowDocument, type SchemaIssue, durationMs, flowSchema, formatPath, issuesOf } from "../protocol/flow-schema.js";
import { OUTCOME_KINDS } from "../protocol/model.js";
import { InputError } from "../protocol/input-error.js";

const name = z.string().regex(/^[A-Za-z0-9_.-]+$/, "a name of letters, digits, '_', '.' or '-'");

const stubTurn = z.enum(["reply", "fail", "hold"]);

/**
 * The moments an action can wait for: engine events, and `job.released`, which is the player's own:
 * the job has ended and the engine has its release no longer under way. An engine may take a
 * command that came after a job's end before that job's release, so an action that must follow
 * the release waits for this, not for `job.terminal`.
 */
export const TRIGGER_EVENTS = ["job.started", "step.started", "agent.prompt_sent", "step.settled", "job.paused", "job.terminal", "job.released"] as const;

const actionSchema = z
  .strictObject({
    when: z
      .strictObject({ event: z.enum(TRIGGER_EVENTS), job: name, step: name.optional() })
      .optional(),
    do: z.enum(["cancel", "resume", "shutdown", "crash-restart", "plant-decoy"]),
    job: name.optional(),
    delay_ms: durationMs().default(0),
  })
  .superRefine((action, ctx) => {
    if ((action.do === "cancel" || action.do === "resume") && action.job === undefined) {
      ctx.addIssue({ code: "custom", path: ["job"], message: `"${action.do}" needs the job it acts on` });
    }
    if (action.when?.event === "job.released" && action.when.step !== undefined) {
      ctx.addIssue({ code: "custom", path: ["when", "step"], message: "job.released is the whole job's moment: it takes no step" });
    }
  });

const scenarioSchema = z
  .strictObject({
    id: name,
    title: z.string().min(1),
    description: z.string().optional(),
    engine: z
      .strictObject({
        handshake_timeout_ms: durationMs(1).optional(),
        kill_grace_ms: durationMs().optional(),
      })
      .default({}),
    // One object, not a union: an error then names the field that is wrong.
    real_adapters: z
      .strictObject({
        skip: z.string().min(1).optional(),
        turn: stubTurn.optional(),
        // prompt text → how the turn whose prompt contains it is answered; the first match wins
        by_prompt: z.record(z.string().min(1), stubTurn).optional(),
        unset: z.array(z.string()).optional(),
        crash: z.enum(["adapter", "cli"]).optional(),
        escape: z.enum(["setsid", "untagged", "env-cleared", "hidden"]).optional(),
      })
      .superRefine((plan, ctx) => {
        const others = Object.keys(plan).filter((k) => k !== "skip");
        if (plan.skip !== undefined && others.length > 0) ctx.addIssue({ code: "custom", path: [others[0]!], message: "a skipped scenario has no plan besides its reason" });
        if (plan.skip === undefined && plan.turn === undefined) ctx.addIssue({ code: "custom", path: ["turn"], message: "a plan needs the stub's turn (reply, fail or hold), or a skip with its reason" });
      })
      .optional(),
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
  /** How a real adapter's stub model runs it, or why it cannot run on a real chain; null: not said. */
  realAdapters: ScenarioPlan | null;
  jobs: { id: string; flow: FlowDocument }[];
  actions: Action[];
  expect: Record<string, Expectation>;
}

export class ScenarioError extends InputError {
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

/** A scenario is a page of YAML: anything far larger is a mistake or an attack, refused unread. */
export const MAX_SCENARIO_BYTES = 64 * 1024;
export const MAX_SCENARIO_LINES = 2_000;
/** Aliases a scenario may expand: enough for sharing a flow, far too few for a billion laughs. */
const MAX_ALIASES = 100;

/** The document as plain data; a parser's refusal (an alias bomb, nesting past the stack) names the file. */
function readDocument(text: string, file: string): { doc: ReturnType<typeof parseDocument>; data: unknown; lineCounter: LineCounter } {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_SCENARIO_BYTES) throw new ScenarioError(file, null, "", `${bytes} bytes; a scenario file has at most ${MAX_SCENARIO_BYTES}`);
  const lines = text.split("\n").length;
  if (lines > MAX_SCENARIO_LINES) throw new ScenarioError(file, null, "", `${lines} lines; a scenario file has at most ${MAX_SCENARIO_LINES}`);
  const lineCounter = new LineCounter();
  try {
    const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
    const syntax = doc.errors[0];
    if (syntax !== undefined) {
      throw new ScenarioError(file, syntax.linePos?.[0].line ?? null, "", `not valid YAML: ${syntax.message.split("\n")[0]}`);
    }
    return { doc, data: doc.toJS({ maxAliasCount: MAX_ALIASES }), lineCounter };
  } catch (error) {
    if (error instanceof ScenarioError) throw error;
    // The yaml package's alias limit is a ReferenceError; nesting too deep for the parser, a RangeError.
    if (error instanceof RangeError) throw new ScenarioError(file, null, "", "nested too deeply to read");
    if (error instanceof ReferenceError) throw new ScenarioError(file, null, "", `not a usable YAML document: ${error.message}`);
    throw error;
  }
}

export function parseScenario(text: string, file: string): Scenario {
  const { doc, data, lineCounter } = readDocument(text, file);
  const result = scenarioSchema.safeParse(data);
  if (!result.success) {
    const issue: SchemaIssue = issuesOf(result.error)[0] ?? { path: [], message: "invalid" };
    const node = nodeAt(doc.contents, issue.path);
    const offset = node?.range?.[0];
    throw new ScenarioError(file, offset === undefined ? null : lineCounter.linePos(offset).line, formatPath(issue.path), issue.message);
  }
  const { id, title, description, engine, real_adapters, jobs, actions, expect } = result.data;
  return {
    id,
    title,
    description: description ?? "",
    file,
    source: text,
    engine,
    realAdapters: real_adapters === undefined ? null : realPlan(real_adapters),
    // Keep each flow as its document: the engine validates and reads it itself.
    jobs: jobs.map((job, i) => ({ id: job.id, flow: (data as { jobs: { flow: FlowDocument }[] }).jobs[i]!.flow })),
    actions,
    expect,
  };
}

function realPlan(parsed: NonNullable<Parsed["real_adapters"]>): ScenarioPlan {
  const { skip, turn, by_prompt, unset, crash, escape } = parsed;
  if (skip !== undefined || turn === undefined) return { skip: skip ?? "" };
  return {
    turn,
    ...(by_prompt === undefined ? {} : { byPrompt: Object.entries(by_prompt) }),
    ...(unset === undefined ? {} : { unset }),
    ...(crash === undefined ? {} : { crash }),
    ...(escape === undefined ? {} : { escape }),
  };
}

export function loadScenario(file: string): Scenario {
  let text: string;
  try {
    // Sized before it is read: a huge file (or a device) is refused without reading it.
    const stat = statSync(file);
    if (!stat.isFile()) throw new ScenarioError(file, null, "", "not a regular file");
    if (stat.size > MAX_SCENARIO_BYTES) throw new ScenarioError(file, null, "", `${stat.size} bytes; a scenario file has at most ${MAX_SCENARIO_BYTES}`);
    text = readFileSync(file, "utf8");
  } catch (error) {
    if (error instanceof ScenarioError) throw error;
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

/** Picks scenarios by id; an unknown id is an error naming the known ones, two files with one id too. */
export function selectScenarios(all: Scenario[], only: readonly string[]): Scenario[] {
  for (const [i, s] of all.entries()) {
    const twin = all.findIndex((t) => t.id === s.id);
    if (twin !== i) throw new ScenarioError(s.file, null, "id", `"${s.id}" is also the id of ${all[twin]!.file}`);
  }
  if (only.length === 0) return all;
  return only.map((id) => {
    const found = all.find((s) => s.id === id);
    if (found === undefined) {
      throw new ScenarioError("scenarios", null, "--only", `unknown scenario "${id}"; known: ${all.map((s) => s.id).join(", ")}`);
    }
    return found;
  });
}

/** Whether an engine event is the end of a job whose release an action waits for (`job.released`). */
export function endsReleaseWait(action: Action, event: EngineEvent, engineIdOf: (id: string) => string): event is Extract<EngineEvent, { event: "job.terminal" }> {
  const when = action.when;
  return when?.event === "job.released" && event.event === "job.terminal" && event.jobId === engineIdOf(when.job);
}

/** Whether an engine event is the moment an action waits for; `engineIdOf` maps a scenario job id. */
export function triggers(action: Action, event: EngineEvent, engineIdOf: (id: string) => string): boolean {
  const when = action.when;
  if (when === undefined || event.event !== when.event) return false;
  if (!("jobId" in event) || event.jobId !== engineIdOf(when.job)) return false;
  return when.step === undefined || ("step" in event && event.step === when.step);
}

/** The scenarios shipped with reapcheck: one per terminal transition. */
export const DEFAULT_SCENARIO_DIR = join(PACKAGE_ROOT, "scenarios");

/**
 * Every scenario of the given files and folders, validated before anything runs; `only` picks by
 * id. A folder without a scenario file is bad input: a gate over nothing proves nothing.
 */
export function loadScenarios(paths: string | readonly string[], only: readonly string[] = []): Scenario[] {
  const files = (typeof paths === "string" ? [paths] : paths).flatMap((path) => {
    if (!existsSync(path)) throw new InputError(`no scenario file or folder ${path}`);
    if (!statSync(path).isDirectory()) return [path];
    const found = scenarioFiles(path);
    if (found.length === 0) throw new InputError(`no scenario files (*.yaml) in ${path}`);
    return found;
  });
  return selectScenarios(files.map(loadScenario), only);
}
