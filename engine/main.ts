// The reference engine as a process: `node dist/engine/main.js --state-dir DIR --profiles FILE`.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { AdapterProfiles } from "./adapter-launch.js";
import { serve, send } from "./control-server.js";
import { Engine } from "./engine.js";
import { FAULTS_ENV, FaultSet, parseFaults } from "./faults.js";
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, DEFAULT_KILL_GRACE_MS } from "./process-group.js";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      "state-dir": { type: "string" },
      profiles: { type: "string" },
      fault: { type: "string", multiple: true, default: [] },
      "kill-grace-ms": { type: "string", default: String(DEFAULT_KILL_GRACE_MS) },
      "handshake-timeout-ms": { type: "string", default: String(DEFAULT_HANDSHAKE_TIMEOUT_MS) },
    },
  });
  if (values["state-dir"] === undefined || values.profiles === undefined) {
    throw new Error("usage: main.js --state-dir DIR --profiles FILE [--fault NAME]...");
  }
  const fromEnv = (process.env[FAULTS_ENV] ?? "").split(",").filter((f) => f !== "");
  const engine = new Engine({
    stateDir: values["state-dir"],
    profiles: JSON.parse(readFileSync(values.profiles, "utf8")) as AdapterProfiles,
    faults: new FaultSet(parseFaults([...values.fault, ...fromEnv])),
    killGraceMs: Number(values["kill-grace-ms"]),
    handshakeTimeoutMs: Number(values["handshake-timeout-ms"]),
    emit: send,
  });
  await engine.recover();
  return serve(engine);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`reapcheck engine: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
