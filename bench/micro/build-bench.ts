// `npm run build` on a tree that has not changed since the last build: how long it takes, and
// whether it rewrote anything. tsc runs in build mode (dist/.tsbuildinfo) and the startup snapshots
// are made again only when their bundle or node changed, so the answer should be nothing.
import { execFileSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../../harness/compiled-paths.js";
import type { Figure } from "./bench-row.js";

/** Every file under dir with its modification time, in ms. */
function mtimes(dir: string, found = new Map<string, number>()): Map<string, number> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) mtimes(path, found);
    else if (entry.isFile()) found.set(path, statSync(path).mtimeMs);
  }
  return found;
}

export function buildBench(): { rows: []; figures: Figure[] } {
  const dist = join(PACKAGE_ROOT, "dist");
  const before = mtimes(dist);
  const started = performance.now();
  execFileSync("npm", ["run", "--silent", "build"], { cwd: PACKAGE_ROOT, stdio: ["ignore", "ignore", "inherit"] });
  const seconds = (performance.now() - started) / 1000;
  const after = mtimes(dist);
  const rewritten = [...after].filter(([path, mtime]) => before.get(path) !== mtime).length;
  return {
    rows: [],
    figures: [
      { name: "npm run build, unchanged tree", value: seconds, unit: "s", goal: null, met: null },
      { name: "files under dist/ it wrote", value: rewritten, unit: "files", goal: "0 (incremental)", met: rewritten === 0 },
    ],
  };
}
