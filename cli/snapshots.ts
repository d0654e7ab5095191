// Keeps the runner's snapshots per scenario run, stamped with the host's uptime when they arrive (right
// after the scan), so reports can tell each process's age and draw the tree of a failed case.
import { readFileSync } from "node:fs";
import type { ScenarioResult, TimedSnapshot } from "../result/result.js";
import type { RunSnapshot, SnapshotOf } from "../result/result.js";

function uptimeMs(): number {
  return Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]) * 1000;
}

export class SnapshotCollector {
  private readonly byRun = new Map<string, TimedSnapshot[]>();

  readonly onSnapshot = (of: SnapshotOf, snapshot: RunSnapshot): void => {
    const key = `${of.run} ${of.scenario}`;
    this.byRun.set(key, [...(this.byRun.get(key) ?? []), { ...snapshot, uptimeMs: uptimeMs() }]);
  };

  attach(result: ScenarioResult): ScenarioResult {
    return { ...result, snapshots: this.byRun.get(`${result.run} ${result.scenario}`) ?? [] };
  }
}
