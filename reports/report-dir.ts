// `gate --report <dir>`: every writer's output side by side, plus a process tree per failed case.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gateJson } from "./json.js";
import { gateJunit } from "./junit.js";
import { gateMarkdown } from "./markdown.js";
import type { GateResult } from "../result/result.js";
import { resultTreeSvg } from "./result-tree.js";

/** Writes the report files and returns their paths. */
export async function writeReportDir(dir: string, gate: GateResult): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: [name: string, text: string][] = [
    ["report.md", gateMarkdown(gate)],
    ["report.json", gateJson(gate)],
    ["junit.xml", gateJunit(gate)],
  ];
  for (const result of gate.results.filter((r) => r.verdict !== "pass")) {
    const svg = resultTreeSvg(result);
    if (svg !== null) files.push([`${result.scenario}.${result.adapter}.tree.svg`, svg]);
  }
  await Promise.all(files.map(([name, text]) => writeFile(join(dir, name), text)));
  return files.map(([name]) => join(dir, name));
}
