// Spawned processes always run the compiled JS under dist/, whether the harness itself runs from
// dist/ or from TypeScript sources under vitest: a spawn costs node's start-up, never a compile.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("reapcheck: cannot find package.json above the harness");
    dir = parent;
  }
  return dir;
}

export const PACKAGE_ROOT = packageRoot();

export function compiled(relative: string): string {
  const path = join(PACKAGE_ROOT, "dist", relative);
  if (!existsSync(path)) throw new Error(`reapcheck: ${path} is missing; run "npm run build" first`);
  return path;
}
