// Starts the watchdog for this harness process and tells it about each run.
import { spawn } from "node:child_process";
import { RUN_TAG } from "../protocol/tags.js";
import { compiled } from "./compiled-paths.js";
import { activeRuns } from "./run-registry.js";

export function startWatchdog(): void {
  const env = { ...process.env };
  // It must not carry a run tag: it would reap itself, and scans would count it as ours.
  delete env[RUN_TAG];
  const watchdog = spawn(process.execPath, [compiled("harness/watchdog.js")], {
    detached: true,
    stdio: ["pipe", "ignore", "inherit"],
    env,
  });
  watchdog.unref();
  watchdog.stdin.on("error", () => undefined);
  // The pipe must not keep this process alive; it closes when we exit, however we exit.
  (watchdog.stdin as unknown as { unref?: () => void }).unref?.();
  activeRuns.observe({
    started: (run, stateDir) => watchdog.stdin.write(`watch ${run}${stateDir === null ? "" : ` ${stateDir}`}\n`),
    engine: (run, pgid) => watchdog.stdin.write(`engine ${run} ${pgid}\n`),
    ended: (run) => watchdog.stdin.write(`done ${run}\n`),
  });
}
