// One look at a run, in the shape the invariants read: the engine's state, the process table,
// the leases its events announced, its pid files and workspaces. The gate, the explorer and
// anything else that checks a run builds it here.
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { EngineEvent, EngineSnapshot } from "../engine/engine.js";
import type { Lease, Observation, PidFileRecord } from "./invariants.js";
import { attributeByAncestry } from "./probes/attribution.js";
import type { Probe } from "./probes/probe.js";

async function readPidFiles(dir: string): Promise<PidFileRecord[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const records = await Promise.all(
    names.map(async (file) => {
      try {
        const { pid, pgid, starttime } = JSON.parse(await readFile(join(dir, file), "utf8")) as PidFileRecord;
        return [{ file, pid, pgid, starttime }];
      } catch {
        // removed between the listing and the read
        return [];
      }
    }),
  );
  return records.flat();
}

export interface RunView {
  run: string;
  stateDir: string;
  probe: Probe;
  events: readonly EngineEvent[];
  /** Every engine process of the run, for a probe that attributes by ancestry. */
  enginePids: readonly number[];
}

export function leasesOf(events: readonly EngineEvent[]): Lease[] {
  return events.flatMap((e) => (e.event === "adapter.leased" ? [{ jobId: e.jobId, pgid: e.pgid }] : []));
}

export async function observeRun(view: RunView, state: EngineSnapshot): Promise<Observation> {
  const leases = leasesOf(view.events);
  const scanned = await view.probe.scan();
  return {
    run: view.run,
    state,
    processes: view.probe.seesTags ? scanned : attributeByAncestry(scanned, { run: view.run, enginePids: view.enginePids, leases }),
    leases,
    pidFiles: await readPidFiles(join(view.stateDir, "pids")),
    workspaces: await readdir(join(view.stateDir, "workspaces")).catch(() => []),
    starttimeSlackTicks: view.probe.starttimeSlackTicks,
  };
}
