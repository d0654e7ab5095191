// reapcheck as a library: what a user imports by package name compiles against the published
// types, works at run time, and the published package holds what it needs and no tests.
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { expectNoLeaks } from "../../api/vitest.js";
import { InputError, runGate } from "../../api/index.js";
import { PACKAGE_ROOT } from "../../harness/compiled-paths.js";

describe("the public API", () => {
  it("a user's test file that imports reapcheck and reapcheck/vitest by name typechecks", async () => {
    const tsc = join(PACKAGE_ROOT, "node_modules/typescript/bin/tsc");
    const { exitCode, all } = await execa(process.execPath, [tsc, "-p", join(PACKAGE_ROOT, "test/fixtures/consumer/tsconfig.json")], { reject: false, all: true });
    expect(all).toBe("");
    expect(exitCode).toBe(0);
  });

  it("resolves by package name at run time, and importing it starts nothing", async () => {
    // The worker's environment may carry a guard tag of its own; only the import's effect counts.
    const script = `delete process.env.REAPCHECK_GUARD; const m = await import("reapcheck"); const v = await import("reapcheck/vitest");
      console.log(JSON.stringify([typeof m.runGate, typeof m.loadScenarios, typeof m.startWatchdog, typeof v.leakCheck, typeof v.expectNoLeaks, process.env.REAPCHECK_GUARD ?? null]));`;
    const { stdout } = await execa(process.execPath, ["--input-type=module", "-e", script], { cwd: PACKAGE_ROOT });
    expect(JSON.parse(stdout)).toEqual(["function", "function", "function", "function", "function", null]);
  });

  it("runGate returns typed results: a clean run passes expectNoLeaks, the seed bug does not", async () => {
    const clean = await runGate({ only: ["exit-abandon"], deadlineMs: 1_500 });
    expect(clean.verdict).toBe("pass");
    expectNoLeaks(clean);
    const faulted = await runGate({ only: ["exit-abandon"], faults: ["exit-abandon-skips-release"], deadlineMs: 1_500 });
    expect(faulted.verdict).toBe("fail");
    expect(() => expectNoLeaks(faulted)).toThrow(/released/);
  });

  it("bad input throws InputError before anything runs", async () => {
    await expect(runGate({ faults: ["no-such-fault"] })).rejects.toBeInstanceOf(InputError);
    await expect(runGate({ only: ["no-such-scenario"] })).rejects.toBeInstanceOf(InputError);
  });
});

describe("the published package", () => {
  it("ships dist, the scenarios, the docs and the README, and no test", async () => {
    const { stdout } = await execa("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: PACKAGE_ROOT });
    const files = (JSON.parse(stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    expect(files.filter((f) => /(^|\/)test\/|\.test\.|^examples\//.test(f))).toEqual([]);
    // Startup snapshots load only into the node that made them: an installed copy runs the plain entries.
    expect(files.filter((f) => /\.blob(\.json)?$|\.bundle\.cjs$|^dist\/build\//.test(f))).toEqual([]);
    for (const needed of ["dist/api/index.js", "dist/api/index.d.ts", "dist/api/vitest.js", "dist/api/vitest.d.ts", "dist/cli/main.js", "dist/engine/main.js", "scenarios/exit-abandon.yaml", "docs/engine-protocol.md", "README.md", "package.json"]) {
      expect(files).toContain(needed);
    }
  });
});
