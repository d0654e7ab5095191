// Stands for `npm exec`: the process the engine spawns, which starts the adapter on its own stdio.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { holdBallast, readKnobs } from "./knobs.js";

const knobs = readKnobs(process.env);
holdBallast(knobs.ballastMb);
if (knobs.ignoreSigterm) process.on("SIGTERM", () => undefined);

const adapter = spawn(process.execPath, [fileURLToPath(new URL("./agent.js", import.meta.url))], {
  stdio: "inherit",
});
adapter.on("exit", (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)));
