// Gemini CLI in its ACP mode, through npm exec. The model stub speaks no Gemini API, so no turn of
// this lane finishes: it runs the transitions a held or failed model call drives, and skips the
// ones that need a finished turn, saying so.
import type { LanePlan, PreparedRun } from "./lane.js";
import { ModelStub, type StubTurn } from "./model-stub-server.js";
import { npmExecLaunch, npmPackageAvailable, temporaryHome } from "./npm-exec.js";
import type { AdapterProfile } from "./profiles.js";

const PACKAGE = "@google/gemini-cli";
const BIN = "gemini";

const NO_REPLY = "it needs a finished turn, and the loopback stub answers the Anthropic API only, not Gemini's";
const FAKE_KNOB = "it needs a fake-adapter knob a real chain does not have";

export const GEMINI_PLAN: LanePlan = {
  halt: { turn: "fail" },
  "fail-route-abandon": { turn: "fail" },
  "settle-failed": { turn: "fail" },
  cancel: { turn: "hold" },
  "step-timeout": { turn: "hold" },
  shutdown: { turn: "hold" },
  "crash-restart": { turn: "hold" },
  complete: { skip: NO_REPLY },
  "complete-parallel": { skip: NO_REPLY },
  "exit-abandon": { skip: NO_REPLY },
  "shared-adapter": { skip: NO_REPLY },
  "exit-abandon-inflight": { skip: NO_REPLY },
  "adapter-ignores-sigterm": { skip: `${FAKE_KNOB} (ignore_sigterm)` },
  "adapter-crash": { skip: `${FAKE_KNOB} ([crash] prompt directive)` },
  "adapter-escapes-group": { skip: `${FAKE_KNOB} (a child that calls setsid)` },
  "handshake-fail": { skip: `${FAKE_KNOB} (handshake behaviours)` },
};

async function prepareGemini(turn: StubTurn): Promise<PreparedRun> {
  const stub = await ModelStub.start(turn);
  const home = temporaryHome("gemini");
  return {
    env: { HOME: home.home, GEMINI_API_KEY: "reapcheck-dummy-key", GOOGLE_GEMINI_BASE_URL: stub.baseUrl },
    dispose: async () => {
      await stub.close();
      home.remove();
    },
  };
}

export const geminiProfile: AdapterProfile = {
  name: "gemini",
  summary: `${PACKAGE} --acp via npm exec; session and held or failed turns only (no Gemini API stub, so no turn finishes)`,
  chain: ["npm exec", "sh -c gemini --acp", "node gemini", "node gemini (relaunched with a larger heap)"],
  available: () => npmPackageAvailable(PACKAGE, BIN),
  launch: () => npmExecLaunch(BIN, ["--acp"], {}),
  plan: GEMINI_PLAN,
  minHandshakeMs: 10_000,
  prepare: prepareGemini,
};
