// What `reapcheck gate` prints on stdout, by --format, and the files --report and --junit write.
import { accessSync, constants, existsSync, mkdirSync, statSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { gateJson } from "../reports/json.js";
import { gateJunit } from "../reports/junit.js";
import { gateMarkdown } from "../reports/markdown.js";
import { writeReportDir } from "../reports/report-dir.js";
import { summaryText } from "../reports/text-reporter.js";
import { unreachable } from "../protocol/model.js";
import { type LanesResult, skipsText } from "../harness/adapters/run-lanes.js";
import { InputError } from "../protocol/input-error.js";

export const FORMATS = ["text", "md", "json", "junit"] as const;
export type Format = (typeof FORMATS)[number];

/** `--json` predates `--format` and stays its shorthand; the two may not disagree. */
export function chooseFormat(format: Format, json: boolean): Format {
  if (json && format !== "text" && format !== "json") throw new InputError(`--json and --format ${format} disagree; pick one`);
  return json ? "json" : format;
}

export function render(format: Format, gate: LanesResult): string {
  switch (format) {
    case "text":
      return [summaryText(gate), skipsText(gate.skipped)].filter((t) => t !== "").join("\n");
    case "md":
      return gateMarkdown(gate);
    case "json":
      return gateJson(gate);
    case "junit":
      return gateJunit(gate);
    default:
      return unreachable(format);
  }
}

/** Creates a folder and its missing parents one by one: Node's recursive mkdir loops for ever under /proc. */
function makeFolder(dir: string): void {
  const missing: string[] = [];
  let at = resolve(dir);
  while (!existsSync(at)) {
    missing.unshift(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const folder of missing) mkdirSync(folder);
  if (!statSync(resolve(dir)).isDirectory()) throw new Error("not a folder");
  accessSync(dir, constants.W_OK);
}

/** Checked before the first scenario runs: a path that cannot be written fails now, not after the gate. */
export function prepareOutputs(files: { report?: string; junit?: string }): void {
  const why = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  if (files.report !== undefined) {
    try {
      makeFolder(files.report);
    } catch (error) {
      throw new InputError(`--report ${files.report}: cannot write there (${why(error)})`);
    }
  }
  if (files.junit !== undefined) {
    try {
      if (existsSync(files.junit) && statSync(files.junit).isDirectory()) throw new Error("a folder");
      accessSync(dirname(resolve(files.junit)), constants.W_OK);
    } catch (error) {
      throw new InputError(`--junit ${files.junit}: cannot write there (${why(error)})`);
    }
  }
}

export async function writeFiles(gate: LanesResult, files: { report?: string; junit?: string }): Promise<string[]> {
  const written = files.report === undefined ? [] : await writeReportDir(files.report, gate);
  if (files.junit !== undefined) {
    await writeFile(files.junit, gateJunit(gate));
    written.push(files.junit);
  }
  return written;
}
