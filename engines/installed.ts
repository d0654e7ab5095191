// Where an engine's npm package is installed, found as Node's resolution would find it from
// reapcheck's own folder (a devDependency here, or a dependency beside reapcheck in a project),
// without importing it: importing reapcheck must not need an engine it will not gate.
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { PACKAGE_ROOT } from "../harness/compiled-paths.js";

export interface InstalledPackage {
  root: string;
  version: string;
  /** The package's bin scripts by name, as absolute real paths. */
  bins: Record<string, string>;
}

export function installedPackage(name: string): InstalledPackage | null {
  for (let dir = PACKAGE_ROOT; ; dir = dirname(dir)) {
    const root = join(dir, "node_modules", name);
    if (basename(dir) !== "node_modules" && existsSync(join(root, "package.json"))) {
      const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version?: unknown; bin?: unknown };
      const bin = typeof manifest.bin === "string" ? { [name]: manifest.bin } : ((manifest.bin ?? {}) as Record<string, string>);
      const real = realpathSync(root);
      return {
        root: real,
        version: typeof manifest.version === "string" ? manifest.version : "unknown",
        bins: Object.fromEntries(Object.entries(bin).map(([k, v]) => [k, join(real, v)])),
      };
    }
    if (dirname(dir) === dir) return null;
  }
}
