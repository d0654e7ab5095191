// codex-acp: an ACP adapter that is a native binary behind an npm launcher. The launcher (node)
// starts the binary with a blocking spawn and forwards no signal, so a signal to the launcher
// alone orphans the binary; and the binary does not exit when its input closes, so only a kill
// ends it. Offline: a custom model provider in a per-run CODEX_HOME points Codex at the loopback
// stub's Responses API, which needs no login (the built-in OpenAI provider would).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ModelStub } from "./model-stub-server.js";
import { REAL_HANDSHAKE_MS, npmExecLaunch, npmPackageAvailable, temporaryHome } from "./npm-exec.js";
import type { AdapterProfile, LanePlan, PreparedRun } from "./profile.js";
import type { StubScript } from "./stub-turn.js";

const PACKAGE = "@zed-industries/codex-acp";

/**
 * A real handshake refusal: without CODEX_HOME, Codex reads an empty ~/.codex, uses its built-in
 * OpenAI provider, and refuses session/new until a login ("Authentication required").
 */
const CODEX_OVERRIDES: LanePlan = { "handshake-fail": { turn: "reply", unset: ["CODEX_HOME"] } };
const BIN = "codex-acp";

/**
 * A provider with no retries (a failed turn fails at once), a model Codex knows (an unknown one
 * is warned about on every turn), no analytics, no memories and no shell snapshot (which starts
 * a login shell in a session of its own at every session start).
 */
function config(baseUrl: string): string {
  return [
    'model_provider = "reapcheck-stub"',
    'model = "gpt-5.4-mini"',
    'approval_policy = "never"',
    'sandbox_mode = "read-only"',
    "[analytics]",
    "enabled = false",
    "[features]",
    "memories = false",
    "shell_snapshot = false",
    "[model_providers.reapcheck-stub]",
    'name = "reapcheck loopback stub"',
    `base_url = "${baseUrl}/v1"`,
    'wire_api = "responses"',
    "request_max_retries = 0",
    "stream_max_retries = 0",
    "",
  ].join("\n");
}

async function prepareCodex(script: StubScript): Promise<PreparedRun> {
  const stub = await ModelStub.start(script);
  const home = temporaryHome("codex");
  writeFileSync(join(home.home, "config.toml"), config(stub.baseUrl));
  return {
    env: { HOME: home.home, CODEX_HOME: home.home },
    dispose: async () => {
      await stub.close();
      home.remove();
    },
  };
}

export const codexAcpProfile: AdapterProfile = {
  name: "codex-acp",
  summary: `${PACKAGE} via npm exec (a native binary behind a node launcher), turns answered by a loopback Responses API stub`,
  chain: ["npm exec", "sh -c codex-acp", "node codex-acp (launcher)", "codex-acp (native)"],
  // The native binary speaks ACP and is the agent itself.
  parts: { adapter: 3, cli: 3 },
  available: () => npmPackageAvailable(PACKAGE, BIN),
  launch: () => npmExecLaunch(BIN, [], {}),
  overrides: CODEX_OVERRIDES,
  minHandshakeMs: REAL_HANDSHAKE_MS,
  prepare: prepareCodex,
};
