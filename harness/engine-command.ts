// Which engine a run drives: the reference engine by default, or any command that speaks the
// engine protocol. Every engine is started the same way, through EngineProcess.
import { CA_BUNDLE_ENV } from "./ca-bundle-env.js";
import { compiled } from "./compiled-paths.js";
import { snapshotArgs } from "./startup-snapshot.js";

export interface EngineCommand {
  argv: string[];
  /** How a person names it in a message: the command as given, or "the reference engine". */
  label: string;
  /** How long it may take to answer hello (its start and boot recovery); 10 s when absent. */
  helloTimeoutMs?: number;
  /** Variables of ours it starts without; absent: it inherits our whole environment. */
  unsetEnv?: readonly string[];
}

/**
 * `node dist/engine/main.js`, started from the engine's startup snapshot when the build made one
 * for this node. The engine inherits our environment, and V8 flags in NODE_OPTIONS would make node
 * refuse the blob: with any NODE_OPTIONS set, the plain entry runs. It opens no TLS connection, so
 * it starts without the CA bundle (the real adapters' launches carry it).
 */
export function referenceEngine(): EngineCommand {
  const snapshot = (process.env.NODE_OPTIONS ?? "") === "" ? snapshotArgs(compiled("engine/main-snapshot.js")) : undefined;
  return { argv: [process.execPath, ...(snapshot ?? [compiled("engine/main.js")])], label: "the reference engine", unsetEnv: [CA_BUNDLE_ENV] };
}

/** A user's command line, run by the shell as it would be typed (`VAR=1 python3 engine.py` too). */
export function shellEngine(command: string, helloTimeoutMs?: number): EngineCommand {
  return { argv: ["/bin/sh", "-c", command], label: `engine "${command}"`, ...(helloTimeoutMs === undefined ? {} : { helloTimeoutMs }) };
}
