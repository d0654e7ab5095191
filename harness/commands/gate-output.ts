// What `reapcheck gate` prints on stdout, by --format, and the files --report and --junit write.
import { writeFile } from "node:fs/promises";
import { gateJson } from "../../reports/json.js";
import { gateJunit } from "../../reports/junit.js";
import { gateMarkdown } from "../../reports/markdown.js";
import { writeReportDir } from "../../reports/report-dir.js";
import { summaryText } from "../../reports/text-reporter.js";
import { unreachable } from "../../protocol/model.js";
import { type LanesResult, skipsText } from "../adapters/run-lanes.js";
import { UsageError } from "../usage-error.js";

export const FORMATS = ["text", "md", "json", "junit"] as const;
export type Format = (typeof FORMATS)[number];

/** `--json` predates `--format` and stays its shorthand; the two may not disagree. */
export function chooseFormat(format: Format, json: boolean): Format {
  if (json && format !== "text" && format !== "json") throw new UsageError(`--json and --format ${format} disagree; pick one`);
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

export async function writeFiles(gate: LanesResult, files: { report?: string; junit?: string }): Promise<string[]> {
  const written = files.report === undefined ? [] : await writeReportDir(files.report, gate);
  if (files.junit !== undefined) {
    await writeFile(files.junit, gateJunit(gate));
    written.push(files.junit);
  }
  return written;
}
