// The process tree of one run at the terminal event and after the deadline, side by side: a
// job's process that is red on the right survived the transition, which is the leak.
import { type ProcessInfo, isZombie } from "../result/process.js";
import { megabytes } from "./process-table.js";
import { escapeXml } from "./xml.js";

/** What became of a process between the two looks. */
type Fate = "engine" | "survived" | "gone" | "new" | "zombie";

const STYLE: Readonly<Record<Fate, { fill: string; stroke: string; label: string }>> = {
  engine: { fill: "#eceff1", stroke: "#607d8b", label: "engine / not a job's" },
  survived: { fill: "#ffcdd2", stroke: "#c62828", label: "job's process, alive after the deadline" },
  gone: { fill: "#c8e6c9", stroke: "#2e7d32", label: "job's process, gone by the deadline" },
  new: { fill: "#ffe0b2", stroke: "#ef6c00", label: "job's process, started after the terminal event" },
  zombie: { fill: "#f5f5f5", stroke: "#9e9e9e", label: "zombie (exited, not reaped by its parent)" },
};

const ROW = 26;
const PANEL_W = 480;
/** Advance of one monospace glyph at font-size 11, to fit a label in its box. */
const CHAR_W = 6.7;
const TOP = 56;

const identity = (p: ProcessInfo): string => `${p.pid}/${p.starttime}`;

/** Depth-first, children under their parent; a process whose parent is not shown is a root. */
function treeOrder(processes: readonly ProcessInfo[]): { p: ProcessInfo; depth: number }[] {
  const pids = new Set(processes.map((p) => p.pid));
  const byPid = [...processes].sort((a, b) => a.pid - b.pid);
  const out: { p: ProcessInfo; depth: number }[] = [];
  const visit = (p: ProcessInfo, depth: number): void => {
    out.push({ p, depth });
    for (const child of byPid.filter((c) => c.ppid === p.pid && c.pid !== p.pid)) visit(child, depth + 1);
  };
  for (const root of byPid.filter((p) => !pids.has(p.ppid))) visit(root, 0);
  return out;
}

/** The command's interesting part: script file names rather than long absolute paths. */
function shortCommand(args: string): string {
  const short = args
    .split(" ")
    .slice(0, 4)
    .map((token) => (token.includes("/") ? token.slice(token.lastIndexOf("/") + 1) : token))
    .join(" ");
  return short;
}

function fit(label: string, width: number): string {
  const max = Math.floor((width - 12) / CHAR_W);
  return label.length > max ? `${label.slice(0, max - 1)}…` : label;
}

function fate(p: ProcessInfo, other: ReadonlySet<string>, panel: "before" | "after"): Fate {
  if (isZombie(p)) return "zombie";
  if (p.job === null) return "engine";
  if (panel === "before") return other.has(identity(p)) ? "survived" : "gone";
  return other.has(identity(p)) ? "survived" : "new";
}

function panel(title: string, processes: readonly ProcessInfo[], other: ReadonlySet<string>, side: "before" | "after", x0: number): string[] {
  const out = [`<text x="${x0}" y="${TOP - 14}" font-weight="bold">${escapeXml(title)}</text>`];
  if (processes.length === 0) out.push(`<text x="${x0}" y="${TOP + 16}" fill="#666">no tagged process</text>`);
  treeOrder(processes).forEach(({ p, depth }, i) => {
    const kind = fate(p, other, side);
    const style = STYLE[kind];
    const x = x0 + depth * 18;
    const y = TOP + i * ROW;
    if (depth > 0) out.push(`<path d="M${x - 10} ${y - 8} V${y + 10} H${x}" fill="none" stroke="#999"/>`);
    const width = PANEL_W - 30 - depth * 18;
    out.push(
      `<rect x="${x}" y="${y}" width="${width}" height="${ROW - 6}" rx="3" fill="${style.fill}" stroke="${style.stroke}"${kind === "zombie" || kind === "gone" ? ` stroke-dasharray="4 3"` : ""}/>`,
      `<text x="${x + 6}" y="${y + 14}">${escapeXml(fit(`pid ${p.pid} · pgid ${p.pgid} · ${megabytes(p.rssBytes)} · ${shortCommand(p.args)}`, width))}</text>`,
    );
  });
  return out;
}

export interface TreeLook {
  label: string;
  processes: readonly ProcessInfo[];
}

export function processTreeSvg(title: string, before: TreeLook, after: TreeLook): string {
  const beforeIds = new Set(before.processes.filter((p) => !isZombie(p)).map(identity));
  const afterIds = new Set(after.processes.filter((p) => !isZombie(p)).map(identity));
  const rows = Math.max(before.processes.length, after.processes.length, 1);
  const fates = Object.keys(STYLE) as Fate[];
  const legendY = TOP + rows * ROW + 16;
  const width = PANEL_W * 2 + 40;
  const height = legendY + fates.length * 18 + 10;
  const legend = fates.map((kind, i) => {
    const { fill, stroke, label } = STYLE[kind];
    const y = legendY + i * 18;
    return `<rect x="20" y="${y - 10}" width="14" height="12" fill="${fill}" stroke="${stroke}"/><text x="40" y="${y}">${escapeXml(label)}</text>`;
  });
  return `${[
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="20" y="20" font-family="sans-serif" font-size="14">${escapeXml(title)}</text>`,
    ...panel(before.label, before.processes, afterIds, "before", 20),
    ...panel(after.label, after.processes, beforeIds, "after", PANEL_W + 30),
    ...legend,
    "</svg>",
  ].join("\n")}\n`;
}
