// Which file runs the command line. `npm run build` bundles program.js and everything it imports
// into one file: node's ESM loader then reads one module instead of about 300, half of a start's
// CPU. The bundle is used when it is at least as new as the last compile, so a tree compiled by
// tsc alone never runs stale code; an installed package has no compile record and uses it.
import { existsSync, statSync } from "node:fs";

export function programEntry(files: { bundle: string; modules: string; lastCompile: string }): string {
  if (!existsSync(files.bundle)) return files.modules;
  if (!existsSync(files.lastCompile)) return files.bundle;
  return statSync(files.bundle).mtimeMs >= statSync(files.lastCompile).mtimeMs ? files.bundle : files.modules;
}
