// The black-box engines reapcheck can gate, by name, and whether each is installed here.
import { InputError } from "../protocol/input-error.js";
import { acpFactoryEngine } from "./acp-factory.js";
import { acpxEngine } from "./acpx.js";
import type { BlackBoxEngine } from "./black-box.js";
import { installedPackage } from "./installed.js";

export const BLACK_BOX_ENGINES: Readonly<Record<string, BlackBoxEngine>> = {
  [acpxEngine.name]: acpxEngine,
  [acpFactoryEngine.name]: acpFactoryEngine,
};

export const installCommand = (engine: BlackBoxEngine): string => `npm install --save-dev --save-exact ${engine.package}@${engine.version}`;

export interface OpenedEngine {
  engine: BlackBoxEngine;
  /** The version installed, which may differ from the one the driver was written against. */
  installed: string;
}

/** The engine by name, installed; anything else is bad input naming what to do. */
export function blackBoxEngineNamed(name: string): OpenedEngine {
  const engine = BLACK_BOX_ENGINES[name];
  if (engine === undefined) {
    throw new InputError(`unknown engine "${name}"; black-box engines: ${Object.keys(BLACK_BOX_ENGINES).join(", ")} (an engine that speaks the protocol is given with --engine-command)`);
  }
  return openEngine(engine);
}

/** The engine if its package is installed; if not, bad input naming the install command. */
export function openEngine(engine: BlackBoxEngine): OpenedEngine {
  const found = installedPackage(engine.package);
  if (found === null) throw new InputError(`engine ${engine.name} is not installed: run ${installCommand(engine)}`);
  return { engine, installed: found.version };
}
