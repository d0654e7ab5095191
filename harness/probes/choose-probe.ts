// A probe by name, and the one a platform gets when none is named.
import type { Probe } from "./probe.js";
import { ProcScan } from "./proc-scan.js";
import { PsScan } from "./ps-scan.js";

export const PROBES = ["proc", "ps"] as const;
export type ProbeName = (typeof PROBES)[number];

/** /proc where there is one; ps-list and pidusage elsewhere. */
export function defaultProbe(): ProbeName {
  return process.platform === "linux" ? "proc" : "ps";
}

export function makeProbe(name: ProbeName): Probe {
  switch (name) {
    case "proc":
      return new ProcScan();
    case "ps":
      return new PsScan();
  }
}
