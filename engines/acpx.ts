// The acpx driver (npm `acpx`, a headless ACP client CLI): every way an acpx job can end, made to
// happen from outside with acpx's own commands and with signals.
//
// Two shapes of job. `exec` runs the agent as an ordinary child of the acpx process, in its
// process group; the job ends when that process exits. `sessions new` + `prompt` run the agent
// under a detached queue owner (its own session, reparented to init) that keeps the chain warm
// between prompts and ends it after an idle TTL; the job ends when the owner is gone, or when
// `sessions close` returns. The whole engine is tagged by its environment (acpx passes its
// environment to the owner and the agent) and the agent command is wrapped in `env` as well.
import { createHash } from "node:crypto";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { BEHAVIOUR_ENV } from "../protocol/adapter-launch.js";
import type { ProcessInfo } from "../result/process.js";
import type { BlackBoxEngine, DriveContext, Driven, Transition, TurnPlan } from "./black-box.js";
import { type DrivenProcess, describeExit } from "./driven-process.js";
import { installedPackage } from "./installed.js";

export const ACPX_PACKAGE = "acpx";
export const ACPX_VERSION = "0.19.1";

let cli: string | undefined;

/** The acpx CLI script, as its queue owner re-spawns it (a real path); looked up once. */
function acpxCli(): string {
  cli ??= installedPackage(ACPX_PACKAGE)?.bins.acpx;
  if (cli === undefined) throw new Error(`${ACPX_PACKAGE} is not installed`);
  return cli;
}

/** Short idle TTL, so the owner's own idle shutdown is a transition a gate can wait for. */
const TTL_SECONDS = "3";
/** acpx's `--timeout`, which counts from its start: long enough for a loaded host to send the prompt first. */
const TIMEOUT_SECONDS = "8";
const HELD_MS = 120_000;
const PROMPT_SENT = /"method":"session\/prompt"/;
const FAKE_KNOB = "it needs a fake-adapter knob a real chain does not have";

/** A word for acpx's own command-line splitter, which reads double quotes with backslash escapes. */
const agentWord = (word: string): string => (/^[\w@%+=:,./-]+$/.test(word) ? word : JSON.stringify(word));

function acpx(ctx: DriveContext, global: readonly string[], command: readonly string[]): string[] {
  const agent = [ctx.agent.command, ...ctx.agent.args].map(agentWord).join(" ");
  return [acpxCli(), "--agent", agent, "--cwd", ctx.cwd, "--approve-all", "--format", "json", ...global, ...command];
}

/** How acpx said the turn ended: its prompt's stopReason, its error code, or how the process died. */
function outcomeOf(client: DrivenProcess, exit: { code: number | null; signal: NodeJS.Signals | null }): string {
  if (exit.signal !== null) return describeExit(exit);
  for (const line of [...client.stdout].reverse()) {
    let message: { result?: { stopReason?: unknown }; error?: { message?: unknown; data?: { detailCode?: unknown; acpxCode?: unknown } } };
    try {
      message = JSON.parse(line) as typeof message;
    } catch {
      continue;
    }
    if (typeof message.result?.stopReason === "string") return message.result.stopReason;
    if (message.error !== undefined) return String(message.error.data?.detailCode ?? message.error.data?.acpxCode ?? message.error.message);
  }
  return describeExit(exit);
}

const turnEnded = (client: DrivenProcess): boolean => client.stdout.some((l) => /"stopReason"/.test(l));

const isOwner = (p: ProcessInfo): boolean => p.args.includes("__queue-owner");

async function execTurn(ctx: DriveContext, global: readonly string[] = []): Promise<{ client: DrivenProcess; roots: ProcessInfo[] }> {
  const client = await ctx.spawn(process.execPath, acpx(ctx, global, ["exec", ctx.plan.prompt]), { label: "acpx exec" });
  await client.line(PROMPT_SENT);
  return { client, roots: await ctx.chainUp() };
}

async function newSession(ctx: DriveContext): Promise<void> {
  const created = await ctx.call(process.execPath, acpx(ctx, ["--ttl", TTL_SECONDS], ["sessions", "new"]), { label: "acpx sessions new" });
  const exit = await created.exited;
  if (exit.code !== 0) throw new Error(`acpx sessions new failed (${describeExit(exit)}): ${created.stderr.trim().split("\n").slice(-3).join(" | ")}`);
}

async function promptTurn(ctx: DriveContext, env: Record<string, string> = {}): Promise<{ client: DrivenProcess; roots: ProcessInfo[] }> {
  const client = await ctx.spawn(process.execPath, acpx(ctx, ["--ttl", TTL_SECONDS], ["prompt", ctx.plan.prompt]), { label: "acpx prompt", env });
  await client.line(PROMPT_SENT);
  return { client, roots: await ctx.chainUp() };
}

/** The witness for a turn that ends on its own: the chain mid-turn, if the turn was still running. */
function midTurn(ctx: DriveContext, client: DrivenProcess, roots: readonly ProcessInfo[]): Driven["premature"] {
  if (turnEnded(client)) return { kind: "not-applicable", reason: "the turn ended before the chain could be watched mid-turn" };
  return ctx.checkAlive(roots, "mid-turn");
}

/** A job in session mode ends when its queue owner is gone: by its idle TTL here. */
async function ownersIdleOut(ctx: DriveContext): Promise<void> {
  const owners = await ctx.find(isOwner);
  await ctx.waitGone(owners, `queue owner pid ${owners.map((o) => o.pid).join(", ") || "(none)"} after its ${TTL_SECONDS} s idle TTL`);
}

const turn = (prompt: string, latencyMs: number, real: TurnPlan["real"], escape?: TurnPlan["fake"]["escape"]): TurnPlan => ({
  prompt,
  fake: { latencyMs, ...(escape === undefined ? {} : { escape }) },
  real,
});

/** `exec`, ended by a signal to the acpx process mid-turn. */
function execSignalled(id: string, title: string, signal: NodeJS.Signals, expected: string): Transition {
  return {
    id,
    title,
    plan: turn("hold the turn", HELD_MS, { turn: "hold" }),
    drive: async (ctx) => {
      const { client, roots } = await execTurn(ctx);
      const premature = ctx.checkAlive(roots, `just before ${signal} to acpx exec`);
      ctx.signal(client, signal, "acpx exec");
      return { outcome: outcomeOf(client, await client.exited), expected, premature };
    },
  };
}

/** `exec` of a turn that ends on its own, the fake's CLI escaping its group the given way. */
function execCompletes(id: string, title: string, plan: TurnPlan): Transition {
  return {
    id,
    title,
    plan,
    drive: async (ctx) => {
      const { client, roots } = await execTurn(ctx);
      const premature = midTurn(ctx, client, roots);
      return { outcome: outcomeOf(client, await client.exited), expected: "end_turn", premature };
    },
  };
}

const TRANSITIONS: readonly Transition[] = [
  execCompletes("exec-complete", "acpx exec: the turn completes and acpx exits", turn("say ok", 1_500, { turn: "reply" })),
  execSignalled("exec-cancel", "acpx exec: SIGINT mid-turn (acpx sends session/cancel)", "SIGINT", "cancelled"),
  execSignalled("exec-sigterm", "acpx exec: SIGTERM mid-turn, as a supervisor stops it", "SIGTERM", "cancelled"),
  {
    id: "exec-timeout",
    title: `acpx exec --timeout ${TIMEOUT_SECONDS}: the turn outlives the timeout`,
    plan: turn("hold the turn", HELD_MS, { turn: "hold" }),
    drive: async (ctx) => {
      const client = await ctx.spawn(process.execPath, acpx(ctx, ["--timeout", TIMEOUT_SECONDS], ["exec", ctx.plan.prompt]), { label: "acpx exec" });
      // acpx's timeout counts from its start: on a loaded host it may fire before the prompt is
      // sent. The job still ends by the timeout, which is what this transition checks.
      const sent = await client.line(PROMPT_SENT).then(
        () => true,
        () => false,
      );
      const premature: Driven["premature"] = sent
        ? ctx.checkAlive(await ctx.chainUp(), "mid-turn, before the timeout")
        : { kind: "not-applicable", reason: "acpx timed out before the turn began" };
      return { outcome: outcomeOf(client, await client.exited), expected: "TIMEOUT", premature };
    },
  },
  {
    id: "exec-adapter-crash",
    title: "acpx exec: the adapter exits mid-turn",
    plan: turn("[crash] end the adapter mid-turn", 800, { skip: `${FAKE_KNOB} ([crash] prompt directive)` }),
    drive: async (ctx) => {
      const { client } = await execTurn(ctx);
      return {
        outcome: outcomeOf(client, await client.exited),
        // acpx prints no JSON error for a lost agent: its exit status is all it says.
        expected: "exit 1",
        premature: { kind: "not-applicable", reason: "the adapter ends itself mid-turn: that is the transition" },
      };
    },
  },
  execCompletes("exec-escape-setsid", "acpx exec: the adapter's CLI starts a helper that calls setsid", turn("say ok", 1_500, { skip: `${FAKE_KNOB} (escape: setsid)` }, "setsid")),
  execCompletes("exec-escape-double-fork", "acpx exec: the adapter's CLI double-forks a helper away from its tree", turn("say ok", 1_500, { skip: `${FAKE_KNOB} (escape: double-fork)` }, "double-fork")),
  execSignalled("exec-client-sigkill", "acpx exec: SIGKILL of the acpx process mid-turn", "SIGKILL", "killed by SIGKILL"),
  {
    id: "idle-ttl",
    title: `acpx sessions: a turn completes, the queue owner idles out (--ttl ${TTL_SECONDS})`,
    plan: turn("say ok", 1_500, { turn: "reply" }),
    drive: async (ctx) => {
      await newSession(ctx);
      const { client, roots } = await promptTurn(ctx);
      const outcome = outcomeOf(client, await client.exited);
      const premature = ctx.checkAlive(roots, "after the turn, while the queue owner keeps the session warm");
      await ownersIdleOut(ctx);
      return { outcome, expected: "end_turn", premature };
    },
  },
  {
    id: "session-cancel",
    title: "acpx sessions: `acpx cancel` mid-turn, then the owner idles out",
    plan: turn("hold the turn", HELD_MS, { turn: "hold" }),
    drive: async (ctx) => {
      await newSession(ctx);
      const { client, roots } = await promptTurn(ctx);
      await ctx.call(process.execPath, acpx(ctx, [], ["cancel"]), { label: "acpx cancel" });
      const outcome = outcomeOf(client, await client.exited);
      // acpx keeps the chain warm after a cancel: killing it here would be premature.
      const premature = ctx.checkAlive(roots, "after the cancelled turn, while the queue owner keeps the session warm");
      await ownersIdleOut(ctx);
      return { outcome, expected: "cancelled", premature };
    },
  },
  {
    id: "sessions-close",
    title: "acpx sessions: a turn completes, then `acpx sessions close`",
    plan: turn("say ok", 500, { turn: "reply" }),
    drive: async (ctx) => {
      await newSession(ctx);
      const { client, roots } = await promptTurn(ctx);
      await client.exited;
      const premature = ctx.checkAlive(roots, "after the turn, before sessions close");
      const close = await ctx.call(process.execPath, acpx(ctx, [], ["sessions", "close"]), { label: "acpx sessions close" });
      const exit = await close.exited;
      return { outcome: exit.code === 0 ? "closed" : `sessions close: ${describeExit(exit)}`, expected: "closed", premature };
    },
  },
  {
    id: "owner-sigkill",
    title: "acpx sessions: SIGKILL of the queue owner mid-turn",
    plan: turn("hold the turn", HELD_MS, { turn: "hold" }),
    drive: async (ctx) => {
      await newSession(ctx);
      const { client, roots } = await promptTurn(ctx);
      const owners = await ctx.find(isOwner);
      const premature = ctx.checkAlive(roots, "just before SIGKILL of the queue owner");
      for (const owner of owners) ctx.signal(owner, "SIGKILL", "acpx queue owner");
      return { outcome: outcomeOf(client, await client.exited), expected: "QUEUE_DISCONNECTED_BEFORE_COMPLETION", premature };
    },
  },
  {
    id: "owner-crash-restart",
    title: "acpx sessions: the queue owner is SIGKILLed mid-turn, the next prompt starts a new one, which idles out",
    plan: turn("hold the turn", HELD_MS, { skip: "it needs a held turn, then one that completes, and the stub answers every turn of a run alike" }),
    drive: async (ctx) => {
      await newSession(ctx);
      const { client, roots } = await promptTurn(ctx);
      const crashed = await ctx.find(isOwner);
      const premature = ctx.checkAlive(roots, "just before SIGKILL of the queue owner");
      for (const owner of crashed) ctx.signal(owner, "SIGKILL", "acpx queue owner");
      await client.exited;
      // The restart: the same session, a turn that completes, under whatever owner acpx starts.
      const again = await ctx.spawn(process.execPath, acpx(ctx, ["--ttl", TTL_SECONDS], ["prompt", "say ok"]), { label: "acpx prompt (restart)", env: { [BEHAVIOUR_ENV.latencyMs]: "300" } });
      const outcome = outcomeOf(again, await again.exited);
      await ownersIdleOut(ctx);
      return { outcome, expected: "end_turn", premature };
    },
  },
];

export const acpxEngine: BlackBoxEngine = {
  name: "acpx",
  package: ACPX_PACKAGE,
  version: ACPX_VERSION,
  summary: "headless ACP client CLI: `exec` runs the agent as its child; sessions run it under a detached queue owner with an idle TTL",
  isEngineProcess: (p) => p.args.includes(acpxCli()),
  notObservable: [
    { invariant: "released", reason: "acpx keeps no release ledger a black box can read" },
    { invariant: "refs-drained", reason: "acpx has no adapter pool with per-job references: each session owns one chain" },
    { invariant: "no-stale-pidfile", reason: "acpx's queue lock names its owner in a format of its own, which this driver does not read" },
    { invariant: "no-running-step", reason: "an acpx job is one prompt turn, not steps: how it ended is the outcome" },
    { invariant: "workspace-removed", reason: "acpx makes no per-job workspace: it runs in the folder it is given" },
  ],
  transitions: TRANSITIONS,
  // acpx puts its queue sockets in /tmp/acpx-<hash of HOME>; HOME was the run's own.
  cleanup: async (env) => {
    const home = env.HOME;
    if (home === undefined || home === "") return;
    await rm(join("/tmp", `acpx-${createHash("sha256").update(home).digest("hex").slice(0, 10)}`), { recursive: true, force: true });
  },
};
