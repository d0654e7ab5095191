// The acp-factory driver (npm `acp-factory`, a library): a small host script
// (acp-factory-host.ts) uses the library as its README shows; the gate tells it to prompt,
// cancel and close, and signals it. acp-factory spawns the agent `detached` (a process group of
// its own) with the host's environment, so tags set on the host reach the chain; close() SIGTERMs
// that group, waits up to 5 s for the connection to close, then SIGKILLs the group if the root has
// not exited. The library installs no exit hooks: the host's own end is the host's business.
import { compiled } from "../harness/compiled-paths.js";
import { BEHAVIOUR_ENV } from "../protocol/adapter-launch.js";
import type { ProcessInfo } from "../result/process.js";
import type { BlackBoxEngine, DriveContext, Driven, Transition, TurnPlan } from "./black-box.js";
import { type DrivenProcess, describeExit } from "./driven-process.js";

export const ACP_FACTORY_PACKAGE = "acp-factory";
export const ACP_FACTORY_VERSION = "0.1.14";

const HOST_SCRIPT = "engines/acp-factory-host.js";
const HELD_MS = 120_000;
const FAKE_KNOB = "it needs a fake-adapter knob a real chain does not have";

const hostScript = (): string => compiled(HOST_SCRIPT);

/** What the host said after the prompt, in order: "turn-ended; closed". */
function eventsOf(host: DrivenProcess): string[] {
  return host.stdout.flatMap((line) => {
    try {
      const { event } = JSON.parse(line) as { event?: unknown };
      return typeof event === "string" && !["ready", "turn-started", "cancel-sent"].includes(event) ? [event] : [];
    } catch {
      return [];
    }
  });
}

async function startHost(ctx: DriveContext, env: Record<string, string> = {}): Promise<DrivenProcess> {
  const config = { command: ctx.agent.command, args: ctx.agent.args, cwd: ctx.cwd, prompt: ctx.plan.prompt };
  const host = await ctx.spawn(process.execPath, [hostScript(), JSON.stringify(config)], { label: "host (acp-factory)", env });
  await host.line(/"event":"ready"/);
  return host;
}

async function startTurn(ctx: DriveContext, host: DrivenProcess): Promise<ProcessInfo[]> {
  ctx.note("host ← prompt");
  host.write("prompt\n");
  await host.line(/"event":"turn-started"/);
  return ctx.chainUp();
}

/** Tells the host to close() and waits for it to exit; the outcome is what it said on the way. */
async function closeHost(ctx: DriveContext, host: DrivenProcess): Promise<string> {
  ctx.note("host ← close");
  host.write("close\n");
  const exit = await host.exited;
  const events = eventsOf(host);
  return exit.code === 0 ? events.join("; ") : `${[...events, describeExit(exit)].join("; ")}`;
}

const turnEnded = (host: DrivenProcess): boolean => eventsOf(host).some((e) => e.startsWith("turn-"));

const turn = (prompt: string, latencyMs: number, real: TurnPlan["real"], escape?: TurnPlan["fake"]["escape"]): TurnPlan => ({
  prompt,
  fake: { latencyMs, ...(escape === undefined ? {} : { escape }) },
  real,
});

/** A turn that completes, then close(). */
function completesThenCloses(id: string, title: string, plan: TurnPlan): Transition {
  return {
    id,
    title,
    plan,
    drive: async (ctx) => {
      const host = await startHost(ctx);
      const roots = await startTurn(ctx, host);
      const premature: Driven["premature"] = turnEnded(host)
        ? { kind: "not-applicable", reason: "the turn ended before the chain could be watched mid-turn" }
        : ctx.checkAlive(roots, "mid-turn");
      await host.line(/"event":"turn-(ended|failed)"/);
      return { outcome: await closeHost(ctx, host), expected: "turn-ended; closed", premature };
    },
  };
}

/** The host process ends by a signal mid-turn, without a handler of its own. */
function hostSignalled(id: string, title: string, signal: NodeJS.Signals): Transition {
  return {
    id,
    title,
    plan: turn("hold the turn", HELD_MS, { turn: "hold" }),
    drive: async (ctx) => {
      const host = await startHost(ctx);
      const roots = await startTurn(ctx, host);
      const premature = ctx.checkAlive(roots, `just before ${signal} to the host`);
      ctx.signal(host, signal, "host (acp-factory)");
      return { outcome: describeExit(await host.exited), expected: `killed by ${signal}`, premature };
    },
  };
}

const TRANSITIONS: readonly Transition[] = [
  completesThenCloses("close-after-turn", "a turn completes, then the host calls close()", turn("say ok", 1_500, { turn: "reply" })),
  {
    id: "cancel",
    title: "session.cancel() mid-turn, then close()",
    plan: turn("hold the turn", HELD_MS, { turn: "hold" }),
    drive: async (ctx) => {
      const host = await startHost(ctx);
      const roots = await startTurn(ctx, host);
      const premature = ctx.checkAlive(roots, "just before session.cancel()");
      ctx.note("host ← cancel");
      host.write("cancel\n");
      await host.line(/"event":"turn-(ended|failed)"/);
      return { outcome: await closeHost(ctx, host), expected: "turn-ended; closed", premature };
    },
  },
  {
    id: "close-mid-turn",
    title: "close() while a turn is in flight",
    plan: turn("hold the turn", HELD_MS, { turn: "hold" }),
    drive: async (ctx) => {
      const host = await startHost(ctx);
      const roots = await startTurn(ctx, host);
      const premature = ctx.checkAlive(roots, "just before close()");
      // The interrupted turn may or may not report before the host exits: only close() counts.
      const outcome = await closeHost(ctx, host);
      return { outcome: outcome.split("; ").filter((e) => !e.startsWith("turn-")).join("; "), expected: "closed", premature };
    },
  },
  {
    id: "adapter-crash",
    title: "the adapter exits mid-turn; the host sees the turn fail and calls close()",
    plan: turn("[crash] end the adapter mid-turn", 800, { skip: `${FAKE_KNOB} ([crash] prompt directive)` }),
    drive: async (ctx) => {
      const host = await startHost(ctx);
      await startTurn(ctx, host);
      await host.line(/"event":"turn-(ended|failed)"/);
      return {
        outcome: await closeHost(ctx, host),
        expected: "turn-failed; closed",
        premature: { kind: "not-applicable", reason: "the adapter ends itself mid-turn: that is the transition" },
      };
    },
  },
  completesThenCloses("escape-setsid", "the adapter's CLI starts a helper that calls setsid; a turn completes, then close()", turn("say ok", 1_500, { skip: `${FAKE_KNOB} (escape: setsid)` }, "setsid")),
  hostSignalled("host-sigterm", "the host is stopped by SIGTERM mid-turn (it has no handler of its own)", "SIGTERM"),
  hostSignalled("host-sigkill", "the host is SIGKILLed mid-turn", "SIGKILL"),
  {
    id: "host-crash-restart",
    title: "the host is SIGKILLed mid-turn; a new host runs a turn and closes",
    plan: turn("hold the turn", HELD_MS, { skip: "it needs a held turn, then one that completes, and the stub answers every turn of a run alike" }),
    drive: async (ctx) => {
      const crashed = await startHost(ctx);
      const roots = await startTurn(ctx, crashed);
      const premature = ctx.checkAlive(roots, "just before SIGKILL of the host");
      ctx.signal(crashed, "SIGKILL", "host (acp-factory)");
      await crashed.exited;
      const host = await startHost(ctx, { [BEHAVIOUR_ENV.latencyMs]: "300" });
      ctx.note("host ← prompt");
      host.write("prompt\n");
      await host.line(/"event":"turn-(ended|failed)"/);
      return { outcome: await closeHost(ctx, host), expected: "turn-ended; closed", premature };
    },
  },
];

export const acpFactoryEngine: BlackBoxEngine = {
  name: "acp-factory",
  package: ACP_FACTORY_PACKAGE,
  version: ACP_FACTORY_VERSION,
  summary: "a library: spawns the agent detached in its own group; close() SIGTERMs the group, waits, SIGKILLs; driven by a small host script",
  isEngineProcess: (p) => p.args.includes(HOST_SCRIPT),
  notObservable: [
    { invariant: "released", reason: "acp-factory keeps no release ledger" },
    { invariant: "refs-drained", reason: "acp-factory has no adapter pool: each AgentHandle owns one process group" },
    { invariant: "no-stale-pidfile", reason: "acp-factory writes no pid files" },
    { invariant: "no-running-step", reason: "a host's job is prompt turns, not steps: how the turn ended is the outcome" },
    { invariant: "workspace-removed", reason: "acp-factory makes no per-job workspace" },
  ],
  transitions: TRANSITIONS,
};
