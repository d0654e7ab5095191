// Which engine a run drives: the reference engine by default, or any command that speaks the
// engine protocol. Every engine is started the same way, through EngineProcess.
import { compiled } from "./compiled-paths.js";

export interface EngineCommand {
  argv: string[];
  /** How a person names it in a message: the command as given, or "the reference engine". */
  label: string;
  /** How long it may take to answer hello (its start and boot recovery); 10 s when absent. */
  helloTimeoutMs?: number;
}

export function referenceEngine(): EngineCommand {
  return { argv: [process.execPath, compiled("engine/main.js")], label: "the reference engine" };
}

/** A user's command line, run by the shell as it would be typed (`VAR=1 python3 engine.py` too). */
export function shellEngine(command: string, helloTimeoutMs?: number): EngineCommand {
  return { argv: ["/bin/sh", "-c", command], label: `engine "${command}"`, ...(helloTimeoutMs === undefined ? {} : { helloTimeoutMs }) };
}
