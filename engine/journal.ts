// Job state appended as JSON lines, so an engine restarted after a crash knows what it owned.
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import type { Flow } from "../protocol/model.js";

export type JournalEntry =
  | { type: "submitted"; jobId: string; flow: Flow; parent: string | null }
  | { type: "terminal"; jobId: string };

export class Journal {
  constructor(private readonly file: string) {}

  append(entry: JournalEntry): void {
    appendFileSync(this.file, `${JSON.stringify(entry)}\n`);
  }

  /** Jobs submitted and never ended: what a crash left behind. A torn last line is ignored. */
  stranded(): Extract<JournalEntry, { type: "submitted" }>[] {
    if (!existsSync(this.file)) return [];
    const open = new Map<string, Extract<JournalEntry, { type: "submitted" }>>();
    for (const line of readFileSync(this.file, "utf8").split("\n")) {
      let entry: JournalEntry;
      try {
        entry = JSON.parse(line) as JournalEntry;
      } catch {
        continue;
      }
      if (entry.type === "submitted") open.set(entry.jobId, entry);
      else open.delete(entry.jobId);
    }
    return [...open.values()];
  }
}
