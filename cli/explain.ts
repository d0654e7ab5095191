// `reapcheck explain <scenario>`: a scenario author's view of one file — each job's flow as a
// small diagram, the terminal path it is expected to take, the actions that drive it, and the
// fault that makes that path forget its release.
import type { Command } from "commander";
import { releaseFaultFor } from "../protocol/faults.js";
import { parseFlow } from "../protocol/flow-schema.js";
import { type Flow, type OUTCOME_KINDS, type TerminalOutcome, unreachable } from "../protocol/model.js";
import type { Action, Scenario } from "../harness/scenario.js";
import { flowDiagram } from "./flow-diagram.js";
import { DEFAULT_SCENARIO_DIR } from "../harness/scenario.js";
import { displayPath, resolveScenario } from "./resolve-scenario.js";

type OutcomeKind = (typeof OUTCOME_KINDS)[number];

/** How a job reaches this outcome, and an outcome of that kind to ask which fault breaks it. */
function terminalPath(kind: OutcomeKind, flow: Flow): { how: string; outcome: TerminalOutcome } {
  switch (kind) {
    case "completed":
      return { how: "the last step completes and the flow reaches its end", outcome: { kind } };
    case "no_terminal_reached":
      return { how: "every run settles, but no terminal step is reached", outcome: { kind } };
    case "step_failed":
      return { how: "a step fails with no routing: the job halts", outcome: { kind, step: "", error: "" } };
    case "abandoned":
      // An abandon exit rule in the flow names the exit-rule arm; otherwise failure routing abandons.
      return flow.steps.some((s) => s.exitRules.some((r) => r.action.kind === "abandon"))
        ? { how: "a step hits an exit rule that abandons the job", outcome: { kind, via: "exit_rule", step: "", rule: "" } }
        : { how: "a step fails and its failure routing abandons the job", outcome: { kind, via: "failure_routing", step: "", error: "" } };
    case "cancelled":
      return { how: "the job is cancelled by an action", outcome: { kind } };
    case "shutdown":
      return { how: "the engine shuts down gracefully while the job runs", outcome: { kind } };
    case "timeout":
      return { how: "a step outlives its timeout", outcome: { kind, step: "" } };
    case "sub_job_failed":
      return { how: "a sub-job fails and halts its parent", outcome: { kind, step: "", subJob: "" } };
    case "engine_restarted":
      return { how: "the engine dies; on restart its boot sweep fails the job it left running", outcome: { kind } };
    default:
      return unreachable(kind);
  }
}

function actionText(action: Action): string {
  const what = `${action.do}${action.job === undefined ? "" : ` job "${action.job}"`}${action.delay_ms > 0 ? ` ${action.delay_ms} ms later` : ""}`;
  if (action.when === undefined) return `once submitted: ${what}`;
  return `on ${action.when.event} of job "${action.when.job}"${action.when.step === undefined ? "" : `, step ${action.when.step}`}: ${what}`;
}

/** Folded YAML text arrives as one long line; a terminal wants it in lines. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.trim().split(/\s+/)) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

export function explainScenario(scenario: Scenario): string {
  const lines = [`${scenario.id}: ${scenario.title}`];
  if (scenario.description !== "") lines.push(...wrap(scenario.description, 96).map((l) => `  ${l}`));
  lines.push(`  file: ${displayPath(scenario.file)}`);
  const faults = new Set<string>();
  for (const job of scenario.jobs) {
    const flow = parseFlow(job.flow);
    const expected = scenario.expect[job.id]!;
    const path = terminalPath(expected.reason, flow);
    const fault = releaseFaultFor(path.outcome);
    faults.add(fault);
    lines.push(
      "",
      `job "${job.id}": expected to end ${expected.status}, ${expected.reason}`,
      ...flowDiagram(flow),
      `  terminal path: ${path.how}`,
      `  the fault that skips its release: ${fault}`,
    );
  }
  lines.push("", "actions:", ...(scenario.actions.length === 0 ? ["  none"] : scenario.actions.map((a) => `  ${actionText(a)}`)));
  lines.push(
    "",
    "try:",
    `  npx reapcheck gate --only ${scenario.id}`,
    ...[...faults].map((f) => `  npx reapcheck repro ${displayPath(scenario.file)} --fault ${f}`),
  );
  return lines.join("\n");
}

export function registerExplain(program: Command): void {
  program
    .command("explain")
    .description("show a scenario's flow as a diagram and the terminal path it takes")
    .argument("<scenario>", "a scenario id, or a scenario file")
    .option("--scenarios <dir>", "scenario folder, for a scenario given by id", DEFAULT_SCENARIO_DIR)
    .action((name: string, flags: { scenarios: string }) => {
      console.log(explainScenario(resolveScenario(name, flags.scenarios)));
    });
}
