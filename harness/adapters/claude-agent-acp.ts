// The chain that leaked in the reference report: @zed-industries/claude-agent-acp through npm
// exec, driving the Claude Code CLI its agent SDK carries. Offline: a dummy key and a loopback
// model stub, so prompt turns really run and really end.
import type { LanePlan, PreparedRun } from "./lane.js";
import { ModelStub, type StubTurn } from "./model-stub-server.js";
import { npmExecLaunch, npmPackageAvailable, temporaryHome } from "./npm-exec.js";
import type { AdapterProfile } from "./profiles.js";

const PACKAGE = "@zed-industries/claude-agent-acp";
const BIN = "claude-agent-acp";

const FAKE_KNOB = "it needs a fake-adapter knob a real chain does not have";

/** Every terminal transition a real Claude chain can take, and what the model does in it. */
export const CLAUDE_PLAN: LanePlan = {
  complete: { turn: "reply" },
  "complete-parallel": { turn: "reply" },
  "exit-abandon": { turn: "reply" },
  "shared-adapter": { turn: "reply" },
  halt: { turn: "fail" },
  "fail-route-abandon": { turn: "fail" },
  "settle-failed": { turn: "fail" },
  cancel: { turn: "hold" },
  "step-timeout": { turn: "hold" },
  shutdown: { turn: "hold" },
  "crash-restart": { turn: "hold" },
  "adapter-ignores-sigterm": { skip: `${FAKE_KNOB} (ignore_sigterm): the real chain dies on SIGTERM` },
  "adapter-crash": { skip: `${FAKE_KNOB} ([crash] prompt directive)` },
  "adapter-escapes-group": { skip: `${FAKE_KNOB} (a child that calls setsid)` },
  // A real refusal: as root and outside a sandbox the CLI will not skip permissions, so
  // session/new fails and the pool must discard the chain.
  "handshake-fail":
    process.getuid?.() === 0
      ? { turn: "reply", unset: ["IS_SANDBOX"] }
      : { skip: "the real refusal (session/new without IS_SANDBOX) happens only as root" },
  "loop-limit-then-cancel": { turn: "reply" },
  "escalate-then-cancel": { skip: "its exit rule matches the fake adapter's echo of the prompt, which a real model does not give" },
  "sub-job-failed": { skip: "it needs one step to fail and another to succeed, and the stub answers every turn of a run alike" },
  "exit-abandon-inflight": { skip: "it needs a finished turn beside a held one, and the stub answers every turn of a run alike" },
};

/** What the CLI needs to run offline and unattended, beside the model stub's URL. */
export function claudeEnv(home: string, baseUrl: string): Record<string, string> {
  return {
    HOME: home,
    ANTHROPIC_API_KEY: "sk-ant-reapcheck-dummy",
    ANTHROPIC_BASE_URL: baseUrl,
    // As root the CLI refuses its permission-skip flag outside a sandbox, and session/new fails.
    IS_SANDBOX: "1",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_AUTOUPDATER: "1",
  };
}

export async function prepareClaude(turn: StubTurn): Promise<PreparedRun> {
  const stub = await ModelStub.start(turn);
  const home = temporaryHome("claude");
  return {
    env: claudeEnv(home.home, stub.baseUrl),
    dispose: async () => {
      await stub.close();
      home.remove();
    },
  };
}

export const claudeAgentAcpProfile: AdapterProfile = {
  name: "claude-agent-acp",
  summary: `${PACKAGE} via npm exec, turns answered by a loopback Messages API stub`,
  chain: ["npm exec", "sh -c claude-agent-acp", "node claude-agent-acp", "claude (Claude Code CLI)"],
  available: () => npmPackageAvailable(PACKAGE, BIN),
  launch: () => npmExecLaunch(BIN, [], {}),
  plan: CLAUDE_PLAN,
  minHandshakeMs: 10_000,
  prepare: prepareClaude,
};
