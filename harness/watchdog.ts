// The backstop for a harness killed with SIGKILL: a detached process that holds a pipe from the
// harness, learns each run as it starts and ends, and when the pipe closes reaps every run that
// did not end. Started by `startWatchdog`; it runs as `node dist/harness/watchdog.js`.
import { rmSync } from "node:fs";
import { createInterface } from "node:readline";
import { describeProcesses } from "../result/process.js";
import { ProcScan } from "./probes/proc-scan.js";
import { isAlive } from "../result/process.js";
import { removeRunCgroups, runCgroupsOf } from "../os/cgroup.js";
import { reapCgroup } from "./cgroup-reaper.js";
import { reapRun } from "./reaper.js";
import { waitUntil } from "./wait-until.js";

/** Runs under way, with their state folders (the engine's journal, pid files, workspaces). */
const open = new Map<string, string | null>();
/** Each run's engine process groups, newest last: the harness starts each engine in its own. */
const engines = new Map<string, number[]>();

createInterface({ input: process.stdin })
  .on("line", (line) => {
    const [verb, run, arg] = line.split(" ");
    if (run === undefined) return;
    if (verb === "watch") open.set(run, arg ?? null);
    else if (verb === "engine") engines.set(run, [...(engines.get(run) ?? []), Number(arg)]);
    else if (verb === "done") {
      open.delete(run);
      engines.delete(run);
    }
  })
  .on("close", () => {
    void (async () => {
      const probe = new ProcScan();
      for (const [run, stateDir] of open) {
        // The engine sees its stdin close too and shuts down on its own: let it finish first, so
        // what is reaped here is what its shutdown left, not what it was about to release.
        const groups = new Set(engines.get(run) ?? []);
        await waitUntil(
          async () => (await probe.scan()).some((p) => p.run === run && isAlive(p) && groups.has(p.pgid)),
          (engineAlive) => !engineAlive,
          { deadlineMs: 5_000 },
        );
        const containment = runCgroupsOf(run);
        const reaped = [...(await reapRun(run, probe)), ...(await reapCgroup(containment, probe))];
        removeRunCgroups(containment);
        if (reaped.length > 0) {
          process.stderr.write(`reapcheck watchdog: the harness died; run ${run} left processes, reaped:\n${describeProcesses(reaped)}\n`);
        }
        if (stateDir !== null) rmSync(stateDir, { recursive: true, force: true });
      }
      process.exit(0);
    })();
  });
