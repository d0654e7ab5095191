// The scenario author's loop and the report flags, as a person types them.
import { copyFile, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../harness/compiled-paths.js";
import { SCENARIO_DIR } from "../support/gate.js";
import { parseXml } from "../reports/xml-check.js";

const cli = (...args: string[]) => execa(process.execPath, [join(PACKAGE_ROOT, "dist/cli/main.js"), ...args], { reject: false });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "reapcheck-cmds-"));
  await copyFile(join(SCENARIO_DIR, "exit-abandon.yaml"), join(dir, "exit-abandon.yaml"));
  await writeFile(
    join(dir, "two-stage.yaml"),
    ["id: two-stage", "title: a new scenario nobody wrote code for", "jobs:", "  - id: job", "    flow:", "      steps:", "        - { name: a, sleep_ms: 1 }", "        - { name: b, sleep_ms: 1 }", "        - name: c", "          sleep_ms: 1", "          after: [a, b]", "expect:", "  job: { status: completed, reason: completed }", ""].join("\n"),
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("list and explain", () => {
  it("list picks up a new scenario file, with how its jobs end", async () => {
    const { exitCode, stdout } = await cli("list", "--scenarios", dir);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/^ {2}two-stage\s+completed completed\s+a new scenario nobody wrote code for$/m);
    expect(stdout).toMatch(/^ {2}exit-abandon-skips-release\s+/m);
    expect(stdout).toMatch(/^ {2}fake\s+/m);
  });

  it("explain draws parallel steps as one stage and names the path and the fault that breaks it", async () => {
    const { exitCode, stdout } = await cli("explain", "two-stage", "--scenarios", dir);
    expect(exitCode).toBe(0);
    expect(stdout).toContain("╞═ a ‖ b   (in parallel)");
    expect(stdout).toMatch(/├─ c\n\s+│\s+sleep 1 ms\n\s+│\s+after a, b/);
    expect(stdout).toContain("terminal path: the last step completes and the flow reaches its end");
    expect(stdout).toContain("the fault that skips its release: complete-skips-release");
  });

  it("explain takes a file path too, and an unknown id is exit 2", async () => {
    expect((await cli("explain", join(dir, "exit-abandon.yaml"))).stdout).toContain("exit cancel: always → abandon ⇒ the job ends failed, abandoned");
    const unknown = await cli("explain", "nope", "--scenarios", dir);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('unknown scenario "nope"');
  });
});

describe("gate report flags", () => {
  it("--format junit prints the XML; --report writes every writer and the failed case's tree", async () => {
    const report = join(dir, "report");
    const junit = join(dir, "junit.xml");
    const { exitCode, stdout } = await cli("gate", "--scenarios", dir, "--only", "exit-abandon", "--fault", "exit-abandon-skips-release", "--deadline", "1500", "--format", "junit", "--report", report, "--junit", junit);
    expect(exitCode).toBe(1);
    expect(parseXml(stdout).attributes.failures).not.toBe("0");
    expect((await readdir(report)).sort()).toEqual(["exit-abandon.fake.tree.svg", "junit.xml", "report.json", "report.md"]);
    expect(await readFile(junit, "utf8")).toBe(`${stdout}\n`);
    expect(await readFile(join(report, "report.md"), "utf8")).toMatch(/\*\*pgid \d+\*\*: 3 process\(es\), [\d.]+ MB RSS/);
    parseXml(await readFile(join(report, "exit-abandon.fake.tree.svg"), "utf8"));
  });

  it("--json and --format md disagree: exit 2 before anything runs", async () => {
    const { exitCode, stderr } = await cli("gate", "--json", "--format", "md");
    expect(exitCode).toBe(2);
    expect(stderr).toContain("--json and --format md disagree");
  });
});
