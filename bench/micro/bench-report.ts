// The microbenchmarks' results: a table for a person, JSON for the record.
import type { BenchRow, Figure } from "./bench-row.js";

export interface BenchReport {
  schemaVersion: 1;
  startedAt: string;
  node: string;
  cpus: number;
  rows: BenchRow[];
  figures: Figure[];
}

const pad = (text: string, width: number): string => text.padEnd(width);

function table(header: readonly string[], body: readonly string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => pad(c, widths[i]!)).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

function figureValue(f: Figure): string {
  return f.unit === "×" ? `${f.value.toFixed(2)}×` : `${f.value.toFixed(f.value < 100 ? 1 : 0)} ${f.unit}`;
}

export function reportText(report: BenchReport): string {
  const rows = table(
    ["group", "task", "mean ms", "p50 ms", "± %", "samples"],
    report.rows.map((r) => [r.group, r.task, r.meanMs.toFixed(2), r.p50Ms.toFixed(2), r.rmePercent.toFixed(1), String(r.samples)]),
  );
  const figures = table(
    ["figure", "value", "goal", "met"],
    report.figures.map((f) => [f.name, figureValue(f), f.goal ?? "–", f.met === null ? "–" : f.met ? "yes" : "NO"]),
  );
  return `microbenchmarks · node ${report.node} · ${report.cpus} cpus · ${report.startedAt}\n\n${rows}\n\n${figures}\n`;
}
