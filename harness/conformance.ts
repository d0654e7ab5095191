// A short check that a new engine shim speaks the protocol: each rule is driven against the real
// engine process and passes, fails with what was seen, or is skipped where the engine says it
// lacks what the rule needs. Everything the engine started is reaped and counted.
import type { FlowDocument } from "../protocol/flow-schema.js";
import type { Capabilities, EngineEvent, EngineSnapshot, HelloReply } from "../protocol/messages.js";
import { scratchEngine } from "./describe-engine.js";
import type { EngineCommand } from "./engine-command.js";
import type { EngineProcess } from "./engine-process.js";
import type { Probe } from "./probes/probe.js";
import { type ProcessInfo, isAlive } from "../result/process.js";
import { waitUntil } from "./wait-until.js";

export const CONFORMANCE_RULES = [
  "hello",
  "malformed-line",
  "unknown-command",
  "submit",
  "state",
  "cancel",
  "shutdown",
  "stdin-closed",
] as const;

export type ConformanceRule = (typeof CONFORMANCE_RULES)[number];

export type RuleOutcome =
  | { rule: ConformanceRule; verdict: "pass"; detail: string }
  | { rule: ConformanceRule; verdict: "fail"; detail: string }
  | { rule: ConformanceRule; verdict: "skip"; detail: string };

export interface ConformanceResult {
  engine: string;
  rules: RuleOutcome[];
  verdict: "pass" | "fail";
}

/** How long an exited engine's processes may take to die before they count as left behind. */
const SETTLE_MS = 1_000;
/**
 * How much longer one may take that is already in the kernel's exit path: its memory is gone
 * (no resident page, no command line left to read), so it can never run again, but on a loaded
 * host the rest of its exit has taken more than the settle. One still alive then is reported.
 */
const EXITING_MS = 5_000;
const exiting = (p: ProcessInfo): boolean => p.rssBytes === 0;

/** How long each rule waits for the engine (a reply, an event, an exit), by default. */
const WAIT_MS = 10_000;

const pass = (rule: ConformanceRule, detail: string): RuleOutcome => ({ rule, verdict: "pass", detail });
const fail = (rule: ConformanceRule, detail: string): RuleOutcome => ({ rule, verdict: "fail", detail });
const skip = (rule: ConformanceRule, detail: string): RuleOutcome => ({ rule, verdict: "skip", detail });

/**
 * A flow that ends at once and one that runs until stopped, from what the engine can run. The
 * long one starts a process where it can (a script, else an adapter chain), so that "left
 * nothing" means something.
 */
function flowsFor(caps: Capabilities): { quick: FlowDocument; long: FlowDocument; spawns: boolean } | null {
  const has = (e: Capabilities["executors"][number]): boolean => caps.executors.includes(e);
  const agent = (prompt: string, latency_ms: number): FlowDocument => ({ steps: [{ name: "work", agent: { prompt, latency_ms } }] });
  const quick = has("sleep") ? { steps: [{ name: "work", sleep_ms: 10 }] } : has("agent") ? agent("hello", 20) : null;
  if (quick === null) return null;
  if (has("script")) return { quick, long: { steps: [{ name: "work", script: "sleep 300" }] }, spawns: true };
  if (has("agent")) return { quick, long: agent("a long turn", 300_000), spawns: true };
  return { quick, long: { steps: [{ name: "work", sleep_ms: 300_000 }] }, spawns: false };
}

function isSnapshot(value: unknown): value is EngineSnapshot {
  const s = value as Partial<EngineSnapshot> | undefined;
  return (
    s !== undefined &&
    typeof s.releasesInFlight === "number" &&
    Array.isArray(s.jobs) &&
    Array.isArray(s.ledgers) &&
    Array.isArray(s.pool) &&
    Array.isArray(s.workspaces) &&
    s.jobs.every((j) => typeof j?.id === "string" && typeof j?.state?.kind === "string" && Array.isArray(j?.runs))
  );
}

interface Session {
  engine: EngineProcess;
  run: string;
  close(): Promise<{ left: number; what: string }>;
}

async function open(command: EngineCommand, probe: Probe, waitMs: number): Promise<Session> {
  const scratch = scratchEngine(command, probe);
  return {
    engine: scratch.engine,
    run: scratch.run,
    close: async () => {
      // An engine may exit the moment it has SIGKILLed its last process, which then still needs
      // its turn to die: what is gone a moment later was not left behind.
      if (!scratch.engine.isAlive) {
        const mine = async (): Promise<ProcessInfo[]> => (await probe.scan()).filter((p) => p.run === scratch.run && isAlive(p));
        const settled = await waitUntil(mine, (alive) => alive.length === 0, { deadlineMs: SETTLE_MS });
        if (!settled.ok && settled.value.every(exiting)) {
          await waitUntil(mine, (alive) => alive.length === 0 || !alive.every(exiting), { deadlineMs: EXITING_MS });
        }
      }
      const left = await scratch.close(waitMs);
      return { left: left.length, what: left.map((p) => `pid ${p.pid} ${p.args.slice(0, 60)}`).join(", ") };
    },
  };
}

const terminalOf = (engine: EngineProcess, jobId: string, ms: number): Promise<EngineEvent | null> =>
  engine.waitFor((e) => e.event === "job.terminal" && e.jobId === jobId, ms);

/** The rules that need a running engine, in order, on one engine process. */
async function liveRules(session: Session, hello: HelloReply, waitMs: number): Promise<RuleOutcome[]> {
  const { engine, run } = session;
  const out: RuleOutcome[] = [];
  const caps = hello.capabilities;

  const before = engine.refusals.length;
  engine.sendRaw("this is not a command {");
  const refused = await waitUntil(async () => engine.refusals.length, (n) => n > before, { deadlineMs: waitMs });
  const stillServes = await engine.request({ cmd: "state" });
  out.push(
    !refused.ok
      ? fail("malformed-line", `no {"id":null,"ok":false} reply to a line that is not JSON within ${waitMs} ms`)
      : !stillServes.ok
        ? fail("malformed-line", `after refusing a malformed line the engine no longer answers state: ${stillServes.error}`)
        : pass("malformed-line", "refused with id null, and went on serving"),
  );

  const unknown = await engine.ask({ cmd: "frobnicate" });
  out.push(
    unknown.ok
      ? fail("unknown-command", 'answered ok to the unknown command "frobnicate"')
      : unknown.id === -1
        ? fail("unknown-command", `no reply with the command's id: ${unknown.error}`)
        : pass("unknown-command", `refused: ${unknown.error.slice(0, 120)}`),
  );

  const flows = flowsFor(caps);
  if (flows === null) {
    out.push(skip("submit", "the engine lists neither a sleep nor an agent executor"), skip("state", "nothing to submit"), skip("cancel", "nothing to submit"));
  } else {
    const quick = `${run}.quick`;
    const submitted = await engine.request({ cmd: "submit", jobId: quick, flow: flows.quick });
    const ended = submitted.ok ? await terminalOf(engine, quick, waitMs) : null;
    const started = engine.events.some((e) => e.event === "job.started" && e.jobId === quick);
    out.push(
      !submitted.ok
        ? fail("submit", `submit refused: ${submitted.error}`)
        : !started
          ? fail("submit", "no job.started event for the submitted job")
          : ended === null
            ? fail("submit", `no job.terminal event within ${waitMs} ms for a one-step flow`)
            : ended.event === "job.terminal" && ended.outcome.kind === "completed"
              ? pass("submit", "job.started, then job.terminal completed")
              : fail("submit", `the one-step flow ended ${JSON.stringify(ended)}`),
    );

    const state = await engine.request({ cmd: "state" });
    const snapshot = state.ok ? state.state : undefined;
    const job = isSnapshot(snapshot) ? snapshot.jobs.find((j) => j.id === quick) : undefined;
    out.push(
      !state.ok
        ? fail("state", `state refused: ${state.error}`)
        : !isSnapshot(snapshot)
          ? fail("state", "the reply's state is not a snapshot (releasesInFlight, jobs, ledgers, pool, workspaces)")
          : job?.state.kind !== "terminal"
            ? fail("state", `the ended job is ${job === undefined ? "missing from" : `${job.state.kind} in`} the snapshot`)
            : pass("state", "a snapshot holding the ended job"),
    );

    if (!caps.commands.includes("cancel")) {
      out.push(skip("cancel", "the engine does not list the cancel command"));
    } else {
      const held = `${run}.held`;
      const reply = await engine.request({ cmd: "submit", jobId: held, flow: flows.long });
      const running = reply.ok ? await engine.waitFor((e) => e.event === "step.started" && e.jobId === held, waitMs) : null;
      const cancelled = running === null ? null : await engine.request({ cmd: "cancel", jobId: held });
      const ended = cancelled?.ok === true ? await terminalOf(engine, held, waitMs) : null;
      out.push(
        !reply.ok
          ? fail("cancel", `submit refused: ${reply.error}`)
          : running === null
            ? fail("cancel", "the long step never started")
            : cancelled?.ok !== true
              ? fail("cancel", `cancel refused: ${cancelled?.ok === false ? cancelled.error : "no reply"}`)
              : ended === null
                ? fail("cancel", `no job.terminal within ${waitMs} ms of the cancel`)
                : ended.event === "job.terminal" && ended.outcome.kind === "cancelled"
                  ? pass("cancel", "the running job ended cancelled")
                  : fail("cancel", `the cancelled job ended ${JSON.stringify(ended)}`),
      );
    }
  }

  const bye = await engine.request({ cmd: "shutdown" });
  const exit = await Promise.race([engine.exited, new Promise<null>((r) => setTimeout(() => r(null), waitMs))]);
  const { left, what } = await session.close();
  out.push(
    !bye.ok
      ? fail("shutdown", `shutdown refused: ${bye.error}`)
      : exit === null
        ? fail("shutdown", `the engine answered shutdown but had not exited ${waitMs} ms later`)
        : left > 0
          ? fail("shutdown", `after shutdown ${left} process(es) of the run were still alive (reaped): ${what}`)
          : exit.code !== 0
            ? fail("shutdown", `exited with ${exit.code ?? exit.signal} after shutdown, not 0`)
            : pass("shutdown", "answered, exited 0, left nothing"),
  );
  return out;
}

/** The driver goes away mid-job: the engine must end it, release everything, and exit. */
async function stdinRule(command: EngineCommand, probe: Probe, caps: Capabilities, waitMs: number): Promise<RuleOutcome> {
  const flows = flowsFor(caps);
  const session = await open(command, probe, waitMs);
  const { engine, run } = session;
  try {
    await engine.ready;
    if (flows !== null) {
      const jobId = `${run}.held`;
      await engine.request({ cmd: "submit", jobId, flow: flows.long });
      const busy = flows.long.steps[0]!.agent !== undefined ? "agent.prompt_sent" : "step.started";
      await engine.waitFor((e) => e.event === busy && "jobId" in e && e.jobId === jobId, waitMs);
    }
    engine.closeInput();
    const exit = await Promise.race([engine.exited, new Promise<null>((r) => setTimeout(() => r(null), waitMs))]);
    if (exit === null) {
      await session.close();
      return fail("stdin-closed", `still running ${waitMs} ms after its stdin closed`);
    }
    const { left, what } = await session.close();
    if (left > 0) return fail("stdin-closed", `exited, but left ${left} process(es) of its run alive (reaped): ${what}`);
    const during = flows?.spawns === true ? "with a job holding a process" : "with a job running";
    return pass("stdin-closed", `exited ${exit.code ?? exit.signal} ${during} and left nothing`);
  } catch (error) {
    await session.close();
    return fail("stdin-closed", (error as Error).message);
  }
}

export async function runConformance(command: EngineCommand, probe: Probe, options: { waitMs?: number } = {}): Promise<ConformanceResult> {
  const waitMs = options.waitMs ?? WAIT_MS;
  const session = await open(command, probe, waitMs);
  let hello: HelloReply;
  try {
    hello = await session.engine.ready;
  } catch (error) {
    await session.close();
    const rules = [fail("hello", (error as Error).message), ...CONFORMANCE_RULES.slice(1).map((r) => skip(r, "no hello, so nothing else can be driven"))];
    return { engine: command.label, rules, verdict: "fail" };
  }
  const rules = [pass("hello", `${hello.engine.name} ${hello.engine.version}, protocol ${hello.protocol}`)];
  rules.push(...(await liveRules(session, hello, waitMs)));
  rules.push(await stdinRule(command, probe, hello.capabilities, waitMs));
  return { engine: command.label, rules, verdict: rules.some((r) => r.verdict === "fail") ? "fail" : "pass" };
}

export function conformanceText(result: ConformanceResult): string {
  const mark = { pass: "PASS", fail: "FAIL", skip: "SKIP" } as const;
  const lines = result.rules.map((r) => `${mark[r.verdict]}  ${r.rule.padEnd(16)} ${r.detail}`);
  const count = (v: RuleOutcome["verdict"]): number => result.rules.filter((r) => r.verdict === v).length;
  lines.push("", `reapcheck conformance: ${count("pass")} passed, ${count("fail")} failed, ${count("skip")} skipped (${result.engine})`);
  return lines.join("\n");
}
