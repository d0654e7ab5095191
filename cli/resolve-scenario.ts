// A scenario named on the command line: a file path, or the id of one in the scenario folder.
import { existsSync } from "node:fs";
import { isAbsolute, relative } from "node:path";
import { type Scenario, loadScenario } from "../harness/scenario.js";
import { loadScenarios } from "../harness/scenario.js";

export function resolveScenario(nameOrFile: string, dir: string): Scenario {
  if (existsSync(nameOrFile)) return loadScenario(nameOrFile);
  const [found] = loadScenarios(dir, [nameOrFile]);
  return found!;
}

/** A scenario file as the reader would type it from here: relative below here, else absolute. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith("..") || isAbsolute(rel) ? file : rel;
}
