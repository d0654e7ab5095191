// A V8 startup snapshot of one of our node entries, made by `npm run build` (build/startup-snapshots):
// starting from it skips loading the entry's modules. A blob loads only into the node that made it,
// so each carries a record of that node, and a mismatch means the plain entry runs instead.
import { existsSync, readFileSync } from "node:fs";

/** What build/startup-snapshots writes beside each blob. */
export interface SnapshotRecord {
  node: string;
  arch: string;
  platform: string;
  /** sha256 of the bundle the blob was made from: an unchanged bundle is not snapshotted again. */
  bundle: string;
}

export function blobPath(entry: string): string {
  return entry.replace(/\.js$/, ".blob");
}

export function recordPath(entry: string): string {
  return `${blobPath(entry)}.json`;
}

export function thisNode(): Omit<SnapshotRecord, "bundle"> {
  return { node: process.version, arch: process.arch, platform: process.platform };
}

/**
 * The node arguments that start `entry` (an absolute path under dist/) from its snapshot, or
 * undefined when there is none this node can load.
 */
export function snapshotArgs(entry: string): string[] | undefined {
  const blob = blobPath(entry);
  if (!existsSync(blob) || !existsSync(recordPath(entry))) return undefined;
  const record = JSON.parse(readFileSync(recordPath(entry), "utf8")) as Partial<SnapshotRecord>;
  const here = thisNode();
  if (record.node !== here.node || record.arch !== here.arch || record.platform !== here.platform) return undefined;
  return ["--snapshot-blob", blob];
}
