// A probe by name, and the one a platform gets when none is named.
import type { Probe } from "./probe.js";
import { whyNoCgroups } from "../../os/cgroup.js";
import { InputError } from "../../protocol/input-error.js";
import { CgroupScan, ProcScan } from "./proc-scan.js";
import { PsScan } from "./ps-scan.js";

export const PROBES = ["proc", "ps", "cgroup"] as const;
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
    case "cgroup": {
      const why = whyNoCgroups();
      if (why !== null) throw new InputError(`--probe cgroup needs cgroups this process may make, and ${why}`);
      return new CgroupScan();
    }
  }
}
