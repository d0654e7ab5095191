// Real adapters start the way engines in the field start them: `npm exec <bin>`, which runs the
// bin through `sh -c`, so the chain is npm exec → sh → node adapter → the agent's CLI, one group.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onPath } from "../../os/command-on-path.js";
import type { AdapterLaunch } from "../../protocol/adapter-launch.js";
import { caBundleEnv } from "../ca-bundle-env.js";
import { PACKAGE_ROOT } from "../compiled-paths.js";
import type { Availability } from "./profile.js";

/**
 * The least handshake timeout a real adapter gets. Its CLI takes seconds to initialize on a quiet
 * host (gemini starts node twice), and several times that while other chains start beside it on
 * two cores: a healthy chain must not fail for being slow, and a hung one is still caught.
 */
export const REAL_HANDSHAKE_MS = 30_000;

/**
 * --offline: the package is a devDependency, so npm must never reach a registry for it;
 * --prefix: find it in reapcheck's own node_modules whatever the engine's cwd is.
 */
export function npmExecLaunch(bin: string, args: readonly string[], env: Record<string, string>): AdapterLaunch {
  return {
    command: "npm",
    args: ["exec", "--offline", "--prefix", PACKAGE_ROOT, "--", bin, ...args],
    // npm's update check would be the chain's only network call. The CA bundle is passed on
    // explicitly: the reference engine starts without it.
    env: { npm_config_update_notifier: "false", ...caBundleEnv(), ...env },
  };
}

/** Installed version of a package in reapcheck's node_modules, or null. */
export function installedVersion(pkg: string): string | null {
  const manifest = join(PACKAGE_ROOT, "node_modules", pkg, "package.json");
  if (!existsSync(manifest)) return null;
  const version: unknown = (JSON.parse(readFileSync(manifest, "utf8")) as { version?: unknown }).version;
  return typeof version === "string" ? version : null;
}

/** Ready when npm is on PATH and the package with its bin is installed; else the exact reason. */
export function npmPackageAvailable(pkg: string, bin: string): Availability {
  if (!onPath("npm")) return { ok: false, reason: "npm is not on PATH" };
  if (installedVersion(pkg) === null) {
    return { ok: false, reason: `${pkg} is not installed (it is a devDependency: run npm install)` };
  }
  if (!existsSync(join(PACKAGE_ROOT, "node_modules", ".bin", bin))) {
    return { ok: false, reason: `${pkg} is installed but node_modules/.bin/${bin} is missing` };
  }
  return { ok: true };
}

/** A fresh HOME per run, so no user config is read and nothing of the run is left in the real one. */
export function temporaryHome(label: string): { home: string; remove(): void } {
  const home = mkdtempSync(join(tmpdir(), `reapcheck-home-${label}-`));
  return { home, remove: () => rmSync(home, { recursive: true, force: true }) };
}
