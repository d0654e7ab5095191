// Run by `npm run build` after tsc: bundles the command line's program into one ES module beside
// it (cli/program-entry.ts says when it is used). It is rewritten only when its contents change,
// and touched when a compile is newer, so an unchanged tree writes nothing.
import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Plugin, build } from "esbuild";
import { PACKAGE_ROOT, compiled } from "../harness/compiled-paths.js";

const PROGRAM = compiled("cli/program.js");
const BUNDLE = join(PACKAGE_ROOT, "dist/cli/program.bundle.mjs");
const LAST_COMPILE = join(PACKAGE_ROOT, "dist/.tsbuildinfo");

/**
 * The ACP client (and the SDK under it) is imported only when a command measures a chain: it stays
 * a module of its own, imported from the bundle's folder, so other starts do not load it.
 */
const lazyAcpClient: Plugin = {
  name: "lazy-acp-client",
  setup(plugin) {
    plugin.onResolve({ filter: /\/acp\/acp-client\.js$/ }, (args) => (args.kind === "dynamic-import" ? { path: "../acp/acp-client.js", external: true } : undefined));
  },
};

const bundled = await build({
  entryPoints: [PROGRAM],
  bundle: true,
  platform: "node",
  format: "esm",
  // Bundled CommonJS packages (commander, pidusage) call require for node's built-ins.
  banner: { js: 'import { createRequire as __reapcheckRequire } from "node:module"; const require = __reapcheckRequire(import.meta.url);' },
  external: ["@agentclientprotocol/sdk"],
  plugins: [lazyAcpClient],
  write: false,
  logLevel: "error",
});
const code = bundled.outputFiles[0]?.contents;
if (code === undefined) throw new Error(`esbuild wrote nothing for ${PROGRAM}`);
if (!existsSync(BUNDLE) || !Buffer.from(code).equals(readFileSync(BUNDLE))) {
  writeFileSync(BUNDLE, code);
  process.stdout.write("command-line bundle: cli/program.bundle.mjs\n");
} else if (existsSync(LAST_COMPILE) && statSync(LAST_COMPILE).mtimeMs > statSync(BUNDLE).mtimeMs) {
  const now = new Date();
  utimesSync(BUNDLE, now, now);
}
