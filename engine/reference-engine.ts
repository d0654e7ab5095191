// The reference engine's process main, shared by its two entries: `main.js`, and the startup
// snapshot's (`main-snapshot.js`), which starts it with its modules already loaded.
import { parseFaults } from "../protocol/faults.js";
import { PROTOCOL_VERSION } from "../protocol/messages.js";
import { serve, send } from "./control-server.js";
import { CAPABILITIES, Engine } from "./engine.js";
import { FaultSet } from "./fault-set.js";

const ENGINE_INFO = { name: "reapcheck reference engine", version: "0.1.0" };

export function runReferenceEngine(): void {
  serve(async (config) => {
    const engine = new Engine({
      stateDir: config.stateDir,
      profiles: config.profiles,
      faults: new FaultSet(parseFaults(config.faults)),
      killGraceMs: config.killGraceMs,
      handshakeTimeoutMs: config.handshakeTimeoutMs,
      emit: send,
    });
    await engine.recover();
    return { engine, hello: { protocol: PROTOCOL_VERSION, engine: ENGINE_INFO, capabilities: CAPABILITIES } };
  }).then(
    // The last lines (the answer to a shutdown) may still be queued: stdout into a pipe the driver
    // is slow to read is asynchronous, and exit drops what it holds.
    () => process.stdout.write("", () => process.exit(0)),
    (error: unknown) => {
      process.stderr.write(`reapcheck engine: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
