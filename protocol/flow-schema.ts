// The declarative form of a flow (snake_case, as scenario files write it) and its validation.
// The engine and the harness share it, so a flow one accepts the other accepts too.
import { z } from "zod";
import type { AgentSpec, ExitRule, Executor, Flow, StepSpec } from "./model.js";
import { InputError } from "./input-error.js";

const name = z.string().regex(/^[A-Za-z0-9_.-]+$/, "a name of letters, digits, '_', '.' or '-'");

/** The longest timer Node.js keeps (2^31 - 1 ms, about 24.8 days); a longer one fires at once. */
export const MAX_DURATION_MS = 2 ** 31 - 1;

/** A duration in milliseconds, bounded: past the bound a timer would fire at once or throw. */
export const durationMs = (least: 0 | 1 = 0) =>
  z.number().int().min(least).max(MAX_DURATION_MS, `at most ${MAX_DURATION_MS} ms (about 24.8 days), the longest timer an engine can keep`);

const exitRuleSchema = z
  .strictObject({
    name,
    when: z.union([z.literal("always"), z.strictObject({ output_contains: z.string().min(1) })]),
    action: z.enum(["advance", "loop", "escalate", "abandon"]),
    target: name.optional(),
    max_iterations: z.number().int().positive().optional(),
  })
  .superRefine((rule, ctx) => {
    if (rule.action === "loop" && rule.target === undefined) {
      ctx.addIssue({ code: "custom", path: ["target"], message: "a loop rule needs a target step" });
    }
    if (rule.action !== "loop" && (rule.target !== undefined || rule.max_iterations !== undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["action"],
        message: "target and max_iterations belong to a loop rule only",
      });
    }
  });

const agentSchema = z.strictObject({
  prompt: z.string().min(1),
  profile: name.default("default"),
  model: z.string().default("default"),
  tools: z.array(z.string()).default([]),
  allowed_paths: z.array(z.string()).default([]),
  latency_ms: durationMs().default(20),
  ballast_mb: z.number().int().nonnegative().max(4096).default(8),
  ignore_sigterm: z.boolean().default(false),
  handshake: z.enum(["ok", "hang", "garbage", "error-session-new"]).default("ok"),
  escape: z.enum(["none", "setsid", "double-fork", "untagged", "hidden", "env-cleared"]).default("none"),
});

const stepSchema = z
  .strictObject({
    name,
    agent: agentSchema.optional(),
    script: z.string().min(1).optional(),
    sleep_ms: durationMs().optional(),
    // Checked against the flow schema in superRefine: a sub-job is a whole flow of its own.
    sub_job: z.strictObject({ steps: z.array(z.unknown()).min(1) }).optional(),
    after: z.array(name).default([]),
    exit_rules: z.array(exitRuleSchema).default([]),
    on_error: z.enum(["fail", "continue", "abandon"]).default("fail"),
    timeout_ms: durationMs(1).optional(),
  })
  .superRefine((step, ctx) => {
    const executors = [step.agent, step.script, step.sleep_ms, step.sub_job].filter((e) => e !== undefined);
    if (executors.length !== 1) {
      ctx.addIssue({
        code: "custom",
        path: [],
        message: "a step needs exactly one executor: agent, script, sleep_ms or sub_job",
      });
    }
    if (step.sub_job !== undefined) {
      const inner = flowSchema.safeParse(step.sub_job);
      if (!inner.success) {
        for (const issue of issuesOf(inner.error)) {
          ctx.addIssue({ code: "custom", path: ["sub_job", ...issue.path], message: issue.message });
        }
      }
    }
  });

export const flowSchema = z
  .strictObject({ steps: z.array(stepSchema).min(1) })
  .superRefine((flow, ctx) => {
    const names = new Set<string>();
    flow.steps.forEach((step, i) => {
      if (names.has(step.name)) {
        ctx.addIssue({ code: "custom", path: ["steps", i, "name"], message: `duplicate step "${step.name}"` });
      }
      names.add(step.name);
    });
    flow.steps.forEach((step, i) => {
      step.after.forEach((dep, j) => {
        if (!names.has(dep)) {
          ctx.addIssue({ code: "custom", path: ["steps", i, "after", j], message: `no step named "${dep}"` });
        }
      });
      step.exit_rules.forEach((rule, j) => {
        if (rule.target !== undefined && !names.has(rule.target)) {
          ctx.addIssue({
            code: "custom",
            path: ["steps", i, "exit_rules", j, "target"],
            message: `no step named "${rule.target}"`,
          });
        }
      });
    });
    const cycle = findCycle(flow.steps);
    if (cycle !== null) {
      ctx.addIssue({
        code: "custom",
        path: ["steps", cycle.index, "after"],
        message: `cyclic after: ${cycle.path.join(" -> ")}`,
      });
    }
  });

export type FlowDocument = z.input<typeof flowSchema>;

function findCycle(steps: { name: string; after: string[] }[]): { index: number; path: string[] } | null {
  const deps = new Map(steps.map((s) => [s.name, s.after]));
  const state = new Map<string, "visiting" | "done">();
  const visit = (node: string, path: string[]): string[] | null => {
    if (state.get(node) === "done") return null;
    if (state.get(node) === "visiting") return [...path.slice(path.indexOf(node)), node];
    state.set(node, "visiting");
    for (const dep of deps.get(node) ?? []) {
      const found = visit(dep, [...path, node]);
      if (found !== null) return found;
    }
    state.set(node, "done");
    return null;
  };
  for (const [i, step] of steps.entries()) {
    const found = visit(step.name, []);
    if (found !== null) return { index: i, path: found };
  }
  return null;
}

type ParsedFlow = z.output<typeof flowSchema>;
type ParsedStep = ParsedFlow["steps"][number];

function toExecutor(step: ParsedStep): Executor {
  if (step.agent !== undefined) {
    const a = step.agent;
    const agent: AgentSpec = {
      profile: a.profile,
      model: a.model,
      tools: a.tools,
      allowedPaths: a.allowed_paths,
      behaviour: {
        latencyMs: a.latency_ms,
        ballastMb: a.ballast_mb,
        ignoreSigterm: a.ignore_sigterm,
        handshake: a.handshake,
        escape: a.escape,
      },
    };
    return { kind: "agent", agent, prompt: a.prompt };
  }
  if (step.script !== undefined) return { kind: "script", command: step.script };
  if (step.sub_job !== undefined) return { kind: "sub_job", flow: parseFlow(step.sub_job) };
  return { kind: "sleep", ms: step.sleep_ms ?? 0 };
}

function toExitRule(rule: ParsedStep["exit_rules"][number]): ExitRule {
  const when = rule.when === "always" ? { kind: "always" as const } : { kind: "output_contains" as const, text: rule.when.output_contains };
  switch (rule.action) {
    case "loop":
      return {
        name: rule.name,
        when,
        action: { kind: "loop", target: rule.target ?? "", maxIterations: rule.max_iterations ?? Number.MAX_SAFE_INTEGER },
      };
    case "advance":
    case "escalate":
    case "abandon":
      return { name: rule.name, when, action: { kind: rule.action } };
  }
}

export function toFlow(parsed: ParsedFlow): Flow {
  return {
    steps: parsed.steps.map(
      (step): StepSpec => ({
        name: step.name,
        executor: toExecutor(step),
        after: step.after,
        exitRules: step.exit_rules.map(toExitRule),
        onError: step.on_error,
        timeoutMs: step.timeout_ms ?? null,
      }),
    ),
  };
}

export interface SchemaIssue {
  path: (string | number)[];
  message: string;
}

export function formatPath(path: readonly (string | number)[]): string {
  return path.reduce<string>((out, key) => (typeof key === "number" ? `${out}[${key}]` : out === "" ? key : `${out}.${key}`), "");
}

export function issuesOf(error: z.ZodError): SchemaIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.filter((key): key is string | number => typeof key !== "symbol"),
    message: issue.message,
  }));
}

export class FlowError extends InputError {
  constructor(readonly issues: SchemaIssue[]) {
    super(issues.map((i) => `${formatPath(i.path) || "(flow)"}: ${i.message}`).join("; "));
  }
}

/** Validates a flow document; throws a FlowError naming each bad field. */
export function parseFlow(document: unknown): Flow {
  const result = flowSchema.safeParse(document);
  if (!result.success) throw new FlowError(issuesOf(result.error));
  return toFlow(result.data);
}
