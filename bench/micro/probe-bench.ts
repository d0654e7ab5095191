// The probes on a tree of tagged processes (100, and enough for a table of 1,000): reading /proc
// ourselves against ps-list (which runs ps) and pidusage (one call for all the tree's pids). The
// harness scans on every poll of every invariant, so the probe's cost is paid hundreds of times
// per gate. Wall time is set beside CPU time, the children's included: ps-list runs two ps at
// once, so on an idle machine its wall time hides half of what it costs a busy one.
import pidusage from "pidusage";
import psList from "ps-list";
import { Bench } from "tinybench";
import { CgroupScan, ProcScan } from "../../harness/probes/proc-scan.js";
import { cpuMsWithReapedChildren } from "../../os/proc-stat.js";
import { type BenchRow, type Figure, meanOf, rowsOf } from "./bench-row.js";
import { spawnTaggedTree } from "./tagged-tree.js";

/** CPU per call, over calls made for `forMs`: long enough that the 10 ms ticks are under 1% of it. */
async function cpuPerCall(call: () => Promise<unknown>, forMs = 1_500): Promise<number> {
  const start = cpuMsWithReapedChildren();
  const until = Date.now() + forMs;
  let calls = 0;
  while (Date.now() < until || calls === 0) {
    await call();
    calls++;
  }
  return (cpuMsWithReapedChildren() - start) / calls;
}


export async function probeBench(run: string, size: number): Promise<{ rows: BenchRow[]; figures: Figure[] }> {
  const tree = await spawnTaggedTree(run, size);
  const pids = new Set(tree.pids);
  const probe = new ProcScan();
  const cgroupProbe = new CgroupScan();
  const table = (await probe.scan()).length;
  const expectAll = (found: number, by: string): void => {
    if (found < size) throw new Error(`${by} saw ${found} of the tree's ${size} processes`);
  };
  const bench = new Bench({ time: 1_500, iterations: 10, warmupIterations: 3, throws: true });
  bench
    .add("proc-scan: whole /proc, tree found by tag", async () => {
      expectAll((await probe.scan()).filter((p) => p.run === run).length, "proc-scan");
    })
    .add("cgroup-scan: whole /proc, each untagged process's cgroup read too", async () => {
      expectAll((await cgroupProbe.scan()).filter((p) => p.run === run).length, "cgroup-scan");
    })
    .add("ps-list: whole table, tree found by pid", async () => {
      expectAll((await psList()).filter((p) => pids.has(p.pid)).length, "ps-list");
    })
    .add(`pidusage: the tree's ${size} pids`, async () => {
      expectAll(Object.keys(await pidusage([...pids])).length, "pidusage");
    });
  let procCpu: number;
  let psCpu: number;
  try {
    await bench.run();
    procCpu = await cpuPerCall(() => probe.scan());
    psCpu = await cpuPerCall(() => psList());
  } finally {
    pidusage.clear();
    await tree.kill();
  }
  const rows = rowsOf(`probe, ${table} processes`, bench);
  const proc = meanOf(rows, "proc-scan: whole /proc, tree found by tag");
  const ps = meanOf(rows, "ps-list: whole table, tree found by pid");
  const usage = meanOf(rows, `pidusage: the tree's ${size} pids`);
  const cgroup = meanOf(rows, "cgroup-scan: whole /proc, each untagged process's cgroup read too");
  return {
    rows,
    figures: [
      { name: `ps-list / proc-scan, ${table} processes`, value: ps / proc, unit: "×", goal: "≥ 10×", met: ps / proc >= 10 },
      { name: `ps-list / proc-scan, CPU, ${table} processes`, value: psCpu / procCpu, unit: "×", goal: "≥ 10×", met: psCpu / procCpu >= 10 },
      { name: `pidusage / proc-scan, ${table} processes`, value: usage / proc, unit: "×", goal: null, met: null },
      { name: `cgroup-scan / proc-scan, ${table} processes`, value: cgroup / proc, unit: "×", goal: null, met: null },
    ],
  };
}
