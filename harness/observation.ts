// One look at a run, in the shape the invariants read: the engine's state, the process table,
// the leases its events announced, its pid files and workspaces. The gate, the explorer and
// anything else that checks a run builds it here.
import { readdir } from "node:fs/promises";
import type { EngineEvent, EngineSnapshot } from "../protocol/messages.js";
import { pidDirOf, readPidFiles, workspaceDirOf } from "../protocol/state-folder.js";
import type { JobGroup, Lease, Observation } from "./invariants.js";
import { attributeByAncestry } from "./probes/attribution.js";
import type { Probe } from "./probes/probe.js";

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

/** Every process group the engine announced for a job, with its leader's starttime where it gave one. */
export function groupsOf(events: readonly EngineEvent[]): JobGroup[] {
  const started = new Map<number, number>();
  for (const e of events) if (e.event === "adapter.spawned") started.set(e.pgid, e.starttime);
  return events.flatMap((e): JobGroup[] => {
    switch (e.event) {
      case "adapter.spawned":
      case "script.spawned":
        return [{ jobId: e.jobId, pgid: e.pgid, starttime: e.starttime }];
      case "adapter.leased":
        return [{ jobId: e.jobId, pgid: e.pgid, starttime: started.get(e.pgid) ?? null }];
      default:
        return [];
    }
  });
}

/**
 * In this order: the events so far, the process table, then the engine's state. A job the state
 * shows live was live when the table was read, and every lease counted was taken before it: so
 * a leased group the table shows empty under a live job was really killed under it. (The other
 * order blamed a chain killed in the gap between a stale "running" and the scan.)
 */
export async function observeRun(view: RunView, readState: () => Promise<EngineSnapshot | null>): Promise<Observation | null> {
  const events = view.events.slice();
  const leases = leasesOf(events);
  const scanned = await view.probe.scan();
  const state = await readState();
  if (state === null) return null;
  return {
    run: view.run,
    state,
    processes: view.probe.seesTags ? scanned : attributeByAncestry(scanned, { run: view.run, enginePids: view.enginePids, leases }),
    leases,
    groups: groupsOf(events),
    pidFiles: readPidFiles(pidDirOf(view.stateDir)),
    workspaces: await readdir(workspaceDirOf(view.stateDir)).catch(() => []),
    starttimeSlackTicks: view.probe.starttimeSlackTicks,
  };
}
