import { mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { programEntry } from "../../cli/program-entry.js";
import { PACKAGE_ROOT } from "../../harness/compiled-paths.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const cli = join(PACKAGE_ROOT, "dist/cli");
const real = { bundle: join(cli, "program.bundle.mjs"), modules: join(cli, "program.js"), lastCompile: join(PACKAGE_ROOT, "dist/.tsbuildinfo") };

describe("the command line's entry", () => {
  it("runs the bundle only when it is at least as new as the last compile, or when there is no compile record", async () => {
    const dir = await mkdtemp(join(tmpdir(), "reapcheck-entry-"));
    dirs.push(dir);
    const files = { bundle: join(dir, "program.bundle.mjs"), modules: join(dir, "program.js"), lastCompile: join(dir, ".tsbuildinfo") };
    expect(programEntry(files)).toBe(files.modules);
    await writeFile(files.bundle, "");
    expect(programEntry(files)).toBe(files.bundle);
    await writeFile(files.lastCompile, "");
    await utimes(files.bundle, 1_000, 1_000);
    expect(programEntry(files)).toBe(files.modules);
    await utimes(files.lastCompile, 500, 500);
    expect(programEntry(files)).toBe(files.bundle);
  });

  it("is the bundle after npm run build, and it says what the modules say", async () => {
    expect(programEntry(real)).toBe(real.bundle);
    const [bundled, modules] = await Promise.all([execa(process.execPath, [join(cli, "main.js"), "list"]), execa(process.execPath, [real.modules, "list"])]);
    expect(bundled.stdout).toContain("exit-abandon");
    expect(bundled.stdout).toBe(modules.stdout);
  });
});
