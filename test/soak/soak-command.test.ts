// `reapcheck soak` as a person or a CI runs it: exit codes, the files of --out, bad input.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../harness/compiled-paths.js";

const cli = (...args: string[]) =>
  execa(process.execPath, [join(PACKAGE_ROOT, "dist/cli/main.js"), "soak", ...args], { reject: false });

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe("reapcheck soak", () => {
  it("exits 1 on a leak, prints JSON with every sample, writes soak.json and soak.svg", async () => {
    const out = await mkdtemp(join(tmpdir(), "reapcheck-soak-out-"));
    dirs.push(out);
    const { exitCode, stdout, stderr } = await cli(
      "--jobs", "4", "--ballast-mb", "2", "--fault", "exit-abandon-skips-release", "--json", "--out", out, "--sample-ms", "200",
    );
    expect(exitCode).toBe(1);
    const result = JSON.parse(stdout) as { verdict: string; jobsDone: number; samples: unknown[] };
    expect(result).toMatchObject({ verdict: "leak", jobsDone: 4 });
    expect(result.samples.length).toBeGreaterThan(4);
    // Not a terminal here: plain progress lines on stderr, the last one at 4 of 4 jobs.
    expect(stderr).toMatch(/^soak 4\/4 jobs · \d+ live groups · tagged [\d.]+ MiB/m);
    expect(stderr).not.toContain("\r");
    expect(JSON.parse(await readFile(join(out, "soak.json"), "utf8"))).toMatchObject({ verdict: "leak" });
    const svg = await readFile(join(out, "soak.svg"), "utf8");
    expect(svg).toMatch(/^<svg /);
    expect(svg).toContain("tagged RSS (MiB)");
    expect(svg).toContain("MemAvailable (MiB)");
  });

  it("refuses, with exit 2 and the reason, when every job leaking would not fit", async () => {
    const { exitCode, stdout } = await cli("--jobs", "100000", "--fault", "exit-abandon-skips-release");
    expect(exitCode).toBe(2);
    expect(stdout).toMatch(/^REFUSED: the projected peak \d+ MiB \(every-job-leaks/m);
  });

  it("rejects a floor that is not a size", async () => {
    const { exitCode, stderr } = await cli("--mem-floor", "lots");
    expect(exitCode).toBe(2);
    expect(stderr).toContain("expected a size such as 1GiB");
  });
});
