// Ctrl-C and SIGTERM end the harness in order: engines shut down, then every run's tag is
// reaped, and whatever had to be reaped is reported as a leak.
import { rmSync } from "node:fs";
import { ProcScan } from "./probes/proc-scan.js";
import { removeRunCgroups } from "../os/cgroup.js";
import { reapCgroup } from "./cgroup-reaper.js";
import { reapRun } from "./reaper.js";
import { activeRuns } from "./run-registry.js";
import { EXIT } from "../result/exit-code.js";
import { describeProcesses } from "../result/process.js";

async function endEverything(reason: string, code: number): Promise<void> {
  // No new run may start from here on: a worker between two scenarios would outlive this list.
  activeRuns.close();
  const runs = activeRuns.list();
  await Promise.all(runs.map(({ engine }) => engine?.stop(3_000)));
  const probe = new ProcScan();
  for (const { run, stateDir, containment } of runs) {
    const reaped = [...(await reapRun(run, probe)), ...(containment === null ? [] : await reapCgroup(containment, probe))];
    if (containment !== null) removeRunCgroups(containment);
    if (reaped.length > 0) console.error(`reapcheck: run ${run} left processes; reaped:\n${describeProcesses(reaped)}`);
    if (stateDir !== null) rmSync(stateDir, { recursive: true, force: true });
  }
  console.error(`reapcheck: stopped: ${reason}`);
  process.exit(code);
}

/** Exit codes as a shell reports a death by that signal, so a CI tells them from a verdict. */
const ENDINGS = { SIGINT: 130, SIGTERM: 143, SIGPIPE: 141 } as const;

export function installSignalHandlers(): void {
  let ending = false;
  const end = (reason: string, code: number): void => {
    if (ending) return;
    ending = true;
    // A failure here is a bug of ours: it keeps its stack and exit 3, never passes for a verdict.
    endEverything(reason, code).catch((error: unknown) => {
      console.error(`reapcheck: an internal error while stopping (a bug in reapcheck; please report it with this trace):\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(EXIT.bug);
    });
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => end(`by ${signal}`, ENDINGS[signal]));
  // `reapcheck gate | head -1`: the reader went away. Nothing more can be said on stdout, but the
  // runs under way are still ours to end.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") end("the reader of stdout went away", ENDINGS.SIGPIPE);
    else throw error;
  });
}
