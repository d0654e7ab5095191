// Ctrl-C and SIGTERM end the harness in order: engines shut down, then every run's tag is
// reaped, and whatever had to be reaped is reported as a leak.
import { rmSync } from "node:fs";
import { ProcScan } from "./probes/proc-scan.js";
import { reapRun } from "./reaper.js";
import { activeRuns } from "./run-registry.js";
import { describeProcesses } from "./invariants.js";

async function endEverything(signal: NodeJS.Signals): Promise<void> {
  const runs = activeRuns.list();
  await Promise.all(runs.map(({ engine }) => engine?.stop(3_000)));
  const probe = new ProcScan();
  for (const { run, stateDir } of runs) {
    const reaped = await reapRun(run, probe);
    if (reaped.length > 0) console.error(`reapcheck: run ${run} left processes; reaped:\n${describeProcesses(reaped)}`);
    if (stateDir !== null) rmSync(stateDir, { recursive: true, force: true });
  }
  console.error(`reapcheck: stopped by ${signal}`);
  process.exit(signal === "SIGINT" ? 130 : 143);
}

export function installSignalHandlers(): void {
  let ending = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (ending) return;
      ending = true;
      void endEverything(signal);
    });
  }
}
