import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../harness/compiled-paths.js";

const cli = (...args: string[]) =>
  execa(process.execPath, [join(PACKAGE_ROOT, "dist/cli/main.js"), ...args], { reject: false, all: true });

describe("reapcheck gate, as a CI runs it", () => {
  it("exits 1 on the reference report's bug, naming the scenario, the invariant and the surviving group", async () => {
    const { exitCode, stdout } = await cli("gate", "--only", "exit-abandon", "--fault", "exit-abandon-skips-release", "--deadline", "1500");
    expect(exitCode).toBe(1);
    expect(stdout).toMatch(/^FAIL\s+exit-abandon/m);
    expect(stdout).toMatch(/✗ released \[job job\]: acp-pool\.releasedJobs = \[\]/);
    expect(stdout).toMatch(/✗ no-surviving-group \[job job\]/);
    // The surviving group: its pgid, and each process with RSS and command line.
    expect(stdout).toMatch(/pgid \d+: 3 process\(es\), [\d.]+ MB RSS/);
    for (const part of ["fake-wrapper", "fake/agent", "fake-cli"]) expect(stdout).toMatch(new RegExp(`pid \\d+ [\\d.]+ MB .*${part}`));
    expect(stdout).toContain("re-run: npx reapcheck gate --only exit-abandon --adapter fake --fault exit-abandon-skips-release");
  });

  it("exits 0 with one line per scenario when every invariant holds", async () => {
    const { exitCode, stdout } = await cli("gate", "--only", "exit-abandon", "--only", "complete");
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/^PASS\s+exit-abandon/m);
    expect(stdout).toMatch(/^PASS\s+complete/m);
    expect(stdout).toContain("2 passed, 0 failed");
  });

  it("prints one JSON result object with --json", async () => {
    const { exitCode, stdout } = await cli("gate", "--only", "halt", "--json");
    expect(exitCode).toBe(0);
    const result = JSON.parse(stdout) as { schemaVersion: number; verdict: string; results: { scenario: string }[] };
    expect(result).toMatchObject({ schemaVersion: 1, verdict: "pass", results: [{ scenario: "halt" }] });
  });
});

describe("bad input", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "reapcheck-bad-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("rejects an unknown fault with exit 2 and the list of known ones, before spawning anything", async () => {
    const { exitCode, stderr, stdout } = await cli("gate", "--fault", "forgets-everything");
    expect(exitCode).toBe(2);
    expect(stderr).toContain('unknown fault "forgets-everything"; known faults: complete-skips-release');
    expect(stdout).toBe("");
  });

  it("rejects a malformed scenario with exit 2, naming the file, line and field", async () => {
    await writeFile(
      join(dir, "broken.yaml"),
      ["id: broken", "title: a step waits on a step that does not exist", "jobs:", "  - id: job", "    flow:", "      steps:", "        - name: a", "          sleep_ms: 1", "          after: [ghost]", "expect:", "  job: { status: completed, reason: completed }", ""].join("\n"),
    );
    const { exitCode, stderr, stdout } = await cli("gate", "--scenarios", dir);
    expect(exitCode).toBe(2);
    expect(stderr).toContain(`${join(dir, "broken.yaml")}:9: jobs[0].flow.steps[0].after[0]: no step named "ghost"`);
    expect(stdout).toBe("");
  });

  it("rejects an unknown scenario id with exit 2", async () => {
    const { exitCode, stderr } = await cli("gate", "--only", "no-such-path");
    expect(exitCode).toBe(2);
    expect(stderr).toContain('unknown scenario "no-such-path"');
  });
});
