// A line plot as a hand-written SVG string: no dependency, opens in any browser, embeds in
// Markdown. Generic on purpose: the soak plots MB per job with it, anything else can too.
import { escapeXml } from "./xml.js";

export interface PlotPoint {
  x: number;
  y: number;
}

export interface PlotSeries {
  label: string;
  points: readonly PlotPoint[];
  /** Drawn dashed and without markers: for a fitted line next to the samples it fits. */
  dashed?: boolean;
}

export interface PlotAxis {
  label: string;
  /** Fixes an end of the axis (e.g. 0); otherwise it follows the data. */
  min?: number;
  max?: number;
}

export interface PlotAxes {
  title: string;
  x: PlotAxis;
  y: PlotAxis;
  width?: number;
  height?: number;
}

const PALETTE = ["#c62828", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f"];
const MARGIN = { left: 72, right: 20, top: 40, bottom: 52 };
const TICKS = 5;

/** A step of 1, 2 or 5 × 10^n that cuts the span into about `TICKS` parts. */
function niceStep(span: number): number {
  const raw = span / TICKS;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / magnitude;
  return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * magnitude;
}

interface Scale {
  min: number;
  max: number;
  ticks: number[];
  decimals: number;
}

function scaleFor(values: readonly number[], axis: PlotAxis): Scale {
  let min = axis.min ?? Math.min(...values);
  let max = axis.max ?? Math.max(...values);
  if (!Number.isFinite(min) || !Number.isFinite(max)) [min, max] = [0, 1];
  if (max <= min) max = min + 1;
  const step = niceStep(max - min);
  // Round outwards to whole steps unless the caller fixed that end.
  if (axis.min === undefined) min = Math.floor(min / step) * step;
  if (axis.max === undefined) max = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step / 1e6; t += step) ticks.push(t);
  return { min, max, ticks, decimals: Math.max(0, -Math.floor(Math.log10(step))) };
}

export function linePlotSvg(series: readonly PlotSeries[], axes: PlotAxes): string {
  const width = axes.width ?? 640;
  const height = axes.height ?? 360;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const points = series.flatMap((s) => s.points);
  const xs = scaleFor(points.map((p) => p.x), axes.x);
  const ys = scaleFor(points.map((p) => p.y), axes.y);
  const px = (x: number): number => MARGIN.left + ((x - xs.min) / (xs.max - xs.min)) * plotW;
  const py = (y: number): number => MARGIN.top + plotH - ((y - ys.min) / (ys.max - ys.min)) * plotH;
  const f = (n: number): string => n.toFixed(1);

  const grid = [
    ...ys.ticks.map(
      (t) =>
        `<line x1="${MARGIN.left}" y1="${f(py(t))}" x2="${MARGIN.left + plotW}" y2="${f(py(t))}" stroke="#e0e0e0"/>` +
        `<text x="${MARGIN.left - 6}" y="${f(py(t) + 4)}" text-anchor="end">${t.toFixed(ys.decimals)}</text>`,
    ),
    ...xs.ticks.map(
      (t) =>
        `<line x1="${f(px(t))}" y1="${MARGIN.top + plotH}" x2="${f(px(t))}" y2="${MARGIN.top + plotH + 4}" stroke="#444"/>` +
        `<text x="${f(px(t))}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${t.toFixed(xs.decimals)}</text>`,
    ),
  ];
  const lines = series.map((s, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    const path = s.points.map((p) => `${f(px(p.x))},${f(py(p.y))}`).join(" ");
    const markers = s.dashed === true || s.points.length > 60 ? "" : s.points.map((p) => `<circle cx="${f(px(p.x))}" cy="${f(py(p.y))}" r="2.5" fill="${color}"/>`).join("");
    return `<polyline points="${path}" fill="none" stroke="${color}" stroke-width="1.5"${s.dashed === true ? ` stroke-dasharray="6 4"` : ""}/>${markers}`;
  });
  const legend = series.map((s, i) => {
    const y = MARGIN.top + 8 + i * 16;
    const color = PALETTE[i % PALETTE.length]!;
    return `<line x1="${MARGIN.left + 10}" y1="${y}" x2="${MARGIN.left + 30}" y2="${y}" stroke="${color}" stroke-width="2"${s.dashed === true ? ` stroke-dasharray="6 4"` : ""}/><text x="${MARGIN.left + 36}" y="${y + 4}">${escapeXml(s.label)}</text>`;
  });
  return `${[
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="14">${escapeXml(axes.title)}</text>`,
    ...grid,
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#444"/>`,
    ...lines,
    ...legend,
    points.length === 0 ? `<text x="${MARGIN.left + plotW / 2}" y="${MARGIN.top + plotH / 2}" text-anchor="middle">no data</text>` : "",
    `<text x="${MARGIN.left + plotW / 2}" y="${height - 12}" text-anchor="middle">${escapeXml(axes.x.label)}</text>`,
    `<text transform="translate(16 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(axes.y.label)}</text>`,
    "</svg>",
  ]
    .filter((line) => line !== "")
    .join("\n")}\n`;
}
