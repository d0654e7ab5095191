// Run by `npm run build` after tsc: bundles each snapshot entry into one script (a snapshot is
// built from a single file that requires only node's built-ins) and makes its V8 startup snapshot
// with this node. An entry whose bundle and node are unchanged is left as it is.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { spawnSync } from "node:child_process";
import { type Plugin, build } from "esbuild";
import { compiled } from "../harness/compiled-paths.js";
import { blobPath, recordPath, thisNode, type SnapshotRecord } from "../harness/startup-snapshot.js";

const ENTRIES = ["harness/adapters/fake/agent-snapshot.js", "engine/main-snapshot.js"];

/** Built-ins node does not vouch for in a snapshot (it warns when one is loaded while making it). */
const LATE = ["child_process", "readline"];

/**
 * Each function of a LATE built-in is bound to the module when it is called, after the snapshot
 * is loaded, not when the snapshot is made. (Classes are not: none of ours constructs one.)
 */
const lateBuiltins: Plugin = {
  name: "late-builtins",
  setup(plugin) {
    plugin.onResolve({ filter: new RegExp(`^node:(${LATE.join("|")})$`) }, (args) => ({ path: args.path.slice("node:".length), namespace: "late" }));
    plugin.onLoad({ filter: /.*/, namespace: "late" }, (args) => {
      const module = createRequire(import.meta.url)(`node:${args.path}`) as Record<string, unknown>;
      const functions = Object.keys(module).filter((name) => typeof module[name] === "function" && !/^[A-Z]/.test(name));
      const lines = functions.map((name) => `export function ${name}(...args) { return require(${JSON.stringify(args.path)}).${name}(...args); }`);
      return { contents: lines.join("\n"), loader: "js" };
    });
  },
};

async function snapshot(entry: string): Promise<"made" | "unchanged"> {
  // import() becomes require(): a snapshot's main has no ESM loader to import built-ins with.
  const bundled = await build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "cjs",
    supported: { "dynamic-import": false },
    plugins: [lateBuiltins],
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
  // Node warns of a built-in it does not vouch for: a new one belongs in LATE.
  if (made.status !== 0 || made.stderr.includes("Warning")) throw new Error(`node --build-snapshot ${script} failed (${made.signal ?? made.status}): ${made.stderr.trim()}`);
  writeFileSync(recordPath(entry), JSON.stringify(record));
  return "made";
}

for (const relative of ENTRIES) {
  const outcome = await snapshot(compiled(relative));
  if (outcome === "made") process.stdout.write(`startup snapshot: ${relative.replace(/\.js$/, ".blob")}\n`);
}
