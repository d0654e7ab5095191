// The chain that leaked in the reference report: @zed-industries/claude-agent-acp through npm
// exec, driving the Claude Code CLI its agent SDK carries. Offline: a dummy key and a loopback
// model stub, so prompt turns really run and really end.
import type { LanePlan, PreparedRun } from "./profile.js";
import { ModelStub } from "./model-stub-server.js";
import type { StubScript } from "./stub-turn.js";
import { REAL_HANDSHAKE_MS, npmExecLaunch, npmPackageAvailable, temporaryHome } from "./npm-exec.js";
import type { AdapterProfile } from "./profile.js";

const PACKAGE = "@zed-industries/claude-agent-acp";
const BIN = "claude-agent-acp";

/** Where the claude chain runs a scenario otherwise than its file says: a real handshake refusal. */
export const CLAUDE_OVERRIDES: LanePlan = {
  // As root and outside a sandbox the CLI will not skip permissions, so session/new fails for
  // real and the pool must discard the chain.
  "handshake-fail":
    process.getuid?.() === 0
      ? { turn: "reply", unset: ["IS_SANDBOX"] }
      : { skip: "the real refusal (session/new without IS_SANDBOX) happens only as root" },
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

export async function prepareClaude(script: StubScript): Promise<PreparedRun> {
  const stub = await ModelStub.start(script);
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
  parts: { adapter: 2, cli: 3 },
  available: () => npmPackageAvailable(PACKAGE, BIN),
  launch: () => npmExecLaunch(BIN, [], {}),
  overrides: CLAUDE_OVERRIDES,
  minHandshakeMs: REAL_HANDSHAKE_MS,
  prepare: prepareClaude,
};
