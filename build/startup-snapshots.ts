// Run by `npm run build` after tsc: bundles each snapshot entry into one script (a snapshot is
// built from a single file that requires only node's built-ins) and makes its V8 startup snapshot
// with this node. An entry whose bundle and node are unchanged is left as it is.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { buildSync } from "esbuild";
import { compiled } from "../harness/compiled-paths.js";
import { blobPath, recordPath, thisNode, type SnapshotRecord } from "../harness/startup-snapshot.js";

const ENTRIES = ["harness/adapters/fake/agent-snapshot.js"];

function snapshot(entry: string): "made" | "unchanged" {
  // import() becomes require(): a snapshot's main has no ESM loader to import built-ins with.
  const bundled = buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "cjs",
    supported: { "dynamic-import": false },
    write: false,
    logLevel: "error",
  });
  const code = bundled.outputFiles[0]?.contents;
  if (code === undefined) throw new Error(`esbuild wrote nothing for ${entry}`);
  const record: SnapshotRecord = { ...thisNode(), bundle: createHash("sha256").update(code).digest("hex") };
  const blob = blobPath(entry);
  const previous = existsSync(recordPath(entry)) ? readFileSync(recordPath(entry), "utf8") : "";
  if (existsSync(blob) && previous === JSON.stringify(record)) return "unchanged";

  const script = entry.replace(/\.js$/, ".bundle.cjs");
  writeFileSync(script, code);
  // V8 flags from NODE_OPTIONS would be baked into the blob's check; it is made, and run, without.
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const made = spawnSync(process.execPath, ["--snapshot-blob", blob, "--build-snapshot", script], { env, encoding: "utf8" });
  if (made.status !== 0) throw new Error(`node --build-snapshot ${script} failed (${made.signal ?? made.status}): ${made.stderr.trim()}`);
  writeFileSync(recordPath(entry), JSON.stringify(record));
  return "made";
}

for (const relative of ENTRIES) {
  const outcome = snapshot(compiled(relative));
  if (outcome === "made") process.stdout.write(`startup snapshot: ${relative.replace(/\.js$/, ".blob")}\n`);
}
