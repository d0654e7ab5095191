// Gemini CLI in its ACP mode, through npm exec. Offline: a dummy key, and the loopback model stub
// answers the Gemini API (its routing call and the turn's stream), so prompt turns really finish.
import type { LanePlan, PreparedRun } from "./lane.js";
import { ModelStub, type StubTurn } from "./model-stub-server.js";
import { npmExecLaunch, npmPackageAvailable, temporaryHome } from "./npm-exec.js";
import type { AdapterProfile } from "./profiles.js";

const PACKAGE = "@google/gemini-cli";
const BIN = "gemini";

const FAKE_KNOB = "it needs a fake-adapter knob a real chain does not have";

/** Every terminal transition a real Gemini chain can take, and what the model does in it. */
export const GEMINI_PLAN: LanePlan = {
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
  "exit-abandon-inflight": { skip: "it needs a finished turn beside a held one, and the stub answers every turn of a run alike" },
  "loop-limit-then-cancel": { turn: "reply" },
  "escalate-then-cancel": { skip: "its exit rule matches the fake adapter's echo of the prompt, which a real model does not give" },
  "sub-job-failed": { skip: "it needs one step to fail and another to succeed, and the stub answers every turn of a run alike" },
  "adapter-ignores-sigterm": { skip: `${FAKE_KNOB} (ignore_sigterm)` },
  "adapter-crash": { skip: `${FAKE_KNOB} ([crash] prompt directive)` },
  "adapter-escapes-group": { skip: `${FAKE_KNOB} (a child that calls setsid)` },
  "handshake-fail": { skip: `${FAKE_KNOB} (handshake behaviours)` },
};

async function prepareGemini(turn: StubTurn): Promise<PreparedRun> {
  const stub = await ModelStub.start(turn);
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
  available: () => npmPackageAvailable(PACKAGE, BIN),
  launch: () => npmExecLaunch(BIN, ["--acp"], {}),
  plan: GEMINI_PLAN,
  minHandshakeMs: 10_000,
  prepare: prepareGemini,
};
