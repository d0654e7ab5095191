// soak.svg: tagged RSS and MemAvailable against jobs done, with the fitted line and the floor,
// so the slope and how close the host came to the floor read off one picture.
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
  series.push(
    { label: "MemAvailable (MiB)", points: result.samples.map((s) => ({ x: s.jobsDone, y: s.memAvailableBytes / MiB })) },
    { label: "memory floor", points: [first, last].map((x) => ({ x, y: result.floorBytes / MiB })), dashed: true },
  );
  const faults = result.faults.length === 0 ? "no fault" : result.faults.join(", ");
  return linePlotSvg(series, {
    title: `soak ${result.transition} · ${result.adapter} · ${faults} · ${result.verdict}`,
    x: { label: "jobs done", min: 0 },
    y: { label: "MiB", min: 0 },
    width: 800,
    height: 420,
  });
}
