// A known-leaks baseline: the leaks an engine is known to have, so a project that has them can
// still use the gate in CI and fail only on a NEW leak. A finding is a (scenario, invariant) a run
// broke, on an adapter; an entry lists one, on every adapter unless it names one.
//
// Exit codes with a baseline: 1 when any finding is not listed (a removed entry makes its leak
// new again); 0 when every finding is listed. An entry whose scenario ran without that finding is
// reported as "fixed — remove it from the baseline" and does NOT fail the gate: a racy leak can
// miss one run by luck, and good news should not turn CI red. `racy: true` entries are reported as
// "not seen this time" instead, since one clean run proves nothing about them.
import { readFileSync } from "node:fs";
import { LineCounter, isMap, parseDocument } from "yaml";
import { z } from "zod";
import { InputError } from "../protocol/input-error.js";
import type { LanesResult } from "../harness/adapters/run-lanes.js";
import { type BaselineEntry, type BaselineStatus, type ScenarioResult, type Verdict, failedChecks, overall } from "../result/result.js";

const MAX_BYTES = 64 * 1024;

const entrySchema = z
  .object({
    transition: z.string().min(1),
    invariant: z.string().min(1),
    adapter: z.string().min(1).optional(),
    survives: z.string().optional(),
    racy: z.boolean().optional(),
    see: z.string().optional(),
  })
  .strict();

const baselineSchema = z
  .object({
    engine: z.string().min(1).optional(),
    version: z.string().optional(),
    leaks: z.array(entrySchema),
  })
  .strict();

export type BaselineFileEntry = z.infer<typeof entrySchema>;

export interface Baseline {
  file: string;
  engine: string | null;
  version: string | null;
  leaks: BaselineFileEntry[];
}

/** Reads and checks a baseline file; anything wrong with it is bad input naming the file, line and field. */
export function loadBaseline(file: string): Baseline {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new InputError(`--baseline ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (Buffer.byteLength(text) > MAX_BYTES) throw new InputError(`--baseline ${file}: larger than ${MAX_BYTES} bytes`);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    throw new InputError(`${file}:${first.linePos?.[0]?.line ?? "?"}: ${first.message.split("\n")[0]}`);
  }
  if (!isMap(doc.contents)) throw new InputError(`${file}: expected a mapping with a "leaks" list`);
  const parsed = baselineSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map(String);
    const node = doc.getIn(path, true) as { range?: [number, number] } | undefined;
    const line = node?.range === undefined ? "" : `:${lines.linePos(node.range[0]).line}`;
    throw new InputError(`${file}${line}: ${path.join(".") || "(top)"}: ${issue.message}`);
  }
  return { file, engine: parsed.data.engine ?? null, version: parsed.data.version ?? null, leaks: parsed.data.leaks };
}

/** The leaks a result shows, by invariant; "left-behind" only when no check names what was reaped. */
export function findingsOf(result: ScenarioResult): string[] {
  const failed = [...new Set(failedChecks(result).map((c) => c.invariant as string))];
  if (result.reaped.length > 0 && !failed.includes("no-tagged-survivor") && !failed.includes("no-surviving-group")) failed.push("left-behind");
  return failed;
}

const covers = (entry: BaselineFileEntry, result: ScenarioResult, invariant: string): boolean =>
  entry.transition === result.scenario && entry.invariant === invariant && (entry.adapter === undefined || entry.adapter === result.adapter);

const asEntry = (result: ScenarioResult, invariant: string, listed?: BaselineFileEntry): BaselineEntry => ({
  scenario: result.scenario,
  invariant,
  adapter: result.adapter,
  ...(listed?.survives === undefined ? {} : { survives: listed.survives }),
});

/**
 * The gate's report with the baseline applied: each result says whether its findings are known,
 * the gate's verdict counts known leaks as passes, and the summary lists the known, the unlisted
 * and the fixed. A scenario that could not run stays an error (exit 2) whatever the baseline says.
 */
export function applyBaseline(gate: LanesResult, baseline: Baseline): LanesResult {
  const known: BaselineEntry[] = [];
  const unlisted: BaselineEntry[] = [];
  const results = gate.results.map((result): ScenarioResult => {
    const findings = findingsOf(result);
    const missing: string[] = [];
    for (const invariant of findings) {
      const listed = baseline.leaks.find((e) => covers(e, result, invariant));
      if (listed === undefined) {
        missing.push(invariant);
        unlisted.push(asEntry(result, invariant));
      } else known.push(asEntry(result, invariant, listed));
    }
    const status: BaselineStatus = findings.length === 0 ? { kind: "clean" } : missing.length === 0 ? { kind: "known" } : { kind: "new", unlisted: missing };
    return { ...result, baseline: status };
  });
  const fixed: BaselineEntry[] = [];
  for (const entry of baseline.leaks) {
    const ran = results.filter((r) => r.scenario === entry.transition && (entry.adapter === undefined || entry.adapter === r.adapter) && r.verdict !== "error");
    for (const r of ran) {
      if (findingsOf(r).includes(entry.invariant)) continue;
      fixed.push({ ...asEntry(r, entry.invariant, entry), ...(entry.racy === true ? { racy: true } : {}) });
    }
  }
  const effective = (r: ScenarioResult): Verdict => (r.baseline?.kind === "known" ? "pass" : r.verdict);
  return {
    ...gate,
    results,
    verdict: overall(results.map((r) => ({ ...r, verdict: effective(r) }))),
    baseline: { file: baseline.file, known, unlisted, fixed, measured: gate.verdict },
  };
}
