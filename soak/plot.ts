// soak.svg: tagged RSS, PSS, the cgroup's charge and MemAvailable against jobs done, with the
// fitted line and the floor; under --host-memory, the limit and the OOM point instead of the
// host's MemAvailable, so where that host falls over reads off one picture.
import { type PlotSeries, linePlotSvg } from "../reports/svg-plot.js";
import { MiB } from "./byte-size.js";
import type { SoakResult } from "./result.js";

export function soakSvg(result: SoakResult): string {
  const xs = result.samples.map((s) => s.jobsDone);
  const [first, last] = [Math.min(0, ...xs), Math.max(1, ...xs)];
  const series: PlotSeries[] = [
    { label: "tagged RSS (MiB)", points: result.samples.map((s) => ({ x: s.jobsDone, y: s.taggedRssBytes / MiB })) },
  ];
  if (result.fit !== null) {
    const { slope, intercept } = result.fit;
    series.push({
      label: `fit: ${slope.toFixed(1)} MiB/job`,
      points: [first, last].map((x) => ({ x, y: intercept + slope * x })),
      dashed: true,
    });
  }
  series.push({ label: "tagged PSS (MiB)", points: result.samples.map((s) => ({ x: s.jobsDone, y: s.taggedPssBytes / MiB })) });
  if (result.samples.every((s) => s.cgroupBytes !== null)) {
    series.push({ label: "cgroup charge (MiB)", points: result.samples.map((s) => ({ x: s.jobsDone, y: (s.cgroupBytes ?? 0) / MiB })) });
  }
  if (result.hostMemoryBytes !== null) {
    const limit = result.hostMemoryBytes / MiB;
    series.push({ label: "host memory (cgroup limit)", points: [first, last].map((x) => ({ x, y: limit })), dashed: true });
    if (result.ending.kind === "oom") series.push({ label: `OOM killer after ${result.ending.afterJobs} jobs`, points: [{ x: result.ending.afterJobs, y: limit }] });
  } else {
    series.push(
      { label: "MemAvailable (MiB)", points: result.samples.map((s) => ({ x: s.jobsDone, y: s.memAvailableBytes / MiB })) },
      { label: "memory floor", points: [first, last].map((x) => ({ x, y: result.floorBytes / MiB })), dashed: true },
    );
  }
  const faults = result.faults.length === 0 ? "no fault" : result.faults.join(", ");
  return linePlotSvg(series, {
    title: `soak ${result.transition} · ${result.adapter} · ${faults} · ${result.verdict}`,
    x: { label: "jobs done", min: 0 },
    y: { label: "MiB", min: 0 },
    width: 800,
    height: 420,
  });
}
