// Gemini CLI in its ACP mode, through npm exec. Offline: a dummy key, and the loopback model stub
// answers the Gemini API (its routing call and the turn's stream), so prompt turns really finish.
import type { LanePlan, PreparedRun } from "./profile.js";
import { ModelStub } from "./model-stub-server.js";
import type { StubScript } from "./stub-turn.js";
import { REAL_HANDSHAKE_MS, npmExecLaunch, npmPackageAvailable, temporaryHome } from "./npm-exec.js";
import type { AdapterProfile } from "./profile.js";

const PACKAGE = "@google/gemini-cli";

/** No real refusal of its handshake was found (tried: no API key, which it still opens a session without). */
const GEMINI_OVERRIDES: LanePlan = { "handshake-fail": { skip: "no real refusal of its handshake was found: without an API key it still opens a session" } };
const BIN = "gemini";

async function prepareGemini(script: StubScript): Promise<PreparedRun> {
  const stub = await ModelStub.start(script);
  const home = temporaryHome("gemini");
  return {
    env: {
      HOME: home.home,
      // The CLI writes a report file to the temp dir for every failed model call: keep them in
      // the run's home, which is removed after the run.
      TMPDIR: home.home,
      GEMINI_API_KEY: "reapcheck-dummy-key",
      GOOGLE_GEMINI_BASE_URL: stub.baseUrl,
    },
    dispose: async () => {
      await stub.close();
      home.remove();
    },
  };
}

export const geminiProfile: AdapterProfile = {
  name: "gemini",
  summary: `${PACKAGE} --acp via npm exec, turns answered by a loopback Gemini API stub`,
  chain: ["npm exec", "sh -c gemini --acp", "node gemini", "node gemini (relaunched with a larger heap)"],
  // The relaunched child speaks ACP on the stdio it inherits, and is its own CLI.
  parts: { adapter: 3, cli: 3 },
  available: () => npmPackageAvailable(PACKAGE, BIN),
  launch: () => npmExecLaunch(BIN, ["--acp"], {}),
  overrides: GEMINI_OVERRIDES,
  minHandshakeMs: REAL_HANDSHAKE_MS,
  prepare: prepareGemini,
};
