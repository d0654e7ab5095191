// Input an adversary or a careless caller gives the gate: each is refused in one line with exit 2,
// before any engine starts, or (a user's own scenario file) simply works.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../harness/compiled-paths.js";

const cli = (...args: string[]) =>
  execa(process.execPath, [join(PACKAGE_ROOT, "dist/cli/main.js"), ...args], { reject: false, all: true, timeout: 60_000 });

const scenario = (id: string, extra = "") => `id: ${id}
title: one sleep step
jobs:
  - id: job
    flow:
      steps:
        - name: a
          sleep_ms: 1${extra}
expect:
  job: { status: completed, reason: completed }
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "reapcheck-test-hostile-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe("hostile input is refused with exit 2, in one line naming the file", () => {
  const refused = async (args: string[], message: RegExp): Promise<void> => {
    const { exitCode, stderr, stdout } = await cli("gate", ...args);
    expect(exitCode).toBe(2);
    expect(stdout).toBe("");
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toMatch(message);
  };

  it("a file of 100,000 top-level keys (quadratic to parse) is refused unread", async () => {
    const path = await file("many-keys.yaml", Array.from({ length: 100_000 }, (_, i) => `k${i}: ${i}`).join("\n"));
    await refused([path], /many-keys\.yaml: \d+ bytes; a scenario file has at most 65536/);
  });

  it("a file of many short lines is refused unread", async () => {
    const path = await file("many-lines.yaml", "a: 1\n".repeat(5_000));
    await refused([path], /many-lines\.yaml: 5001 lines; a scenario file has at most 2000/);
  });

  it("an alias bomb", async () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(", ")}]`);
    const path = await file("bomb.yaml", `${levels.join("\n")}\n`);
    await refused([path], /bomb\.yaml: not a usable YAML document/);
  });

  it("deep nesting", async () => {
    const path = await file("deep.yaml", `${"[".repeat(1_500)}${"]".repeat(1_500)}\n`);
    await refused([path], /deep\.yaml(:\d+)?: /);
  });

  it("timers past 2^31 ms, named by field", async () => {
    const path = await file("timer.yaml", scenario("timer", "\n          timeout_ms: 4294967296"));
    await refused([path], /timer\.yaml:9: jobs\[0\]\.flow\.steps\[0\]\.timeout_ms: at most 2147483647 ms/);
  });

  it("an empty scenario folder: a gate that checks nothing is not green", async () => {
    const empty = await mkdtemp(join(dir, "empty-"));
    await refused(["--scenarios", empty], /no scenario files \(\*\.yaml\) in /);
  });

  it("a report folder under /proc, before anything runs", async () => {
    await refused(["--only", "complete", "--report", "/proc/1/nope"], /--report \/proc\/1\/nope: cannot write there/);
  });

  it("a JUnit file in a folder that does not exist, before anything runs", async () => {
    await refused(["--only", "complete", "--junit", "/nonexistent/dir/j.xml"], /--junit \/nonexistent\/dir\/j\.xml: cannot write there/);
  });

  it("two files with one id", async () => {
    const one = await file("one.yaml", scenario("same"));
    const two = await file("two.yaml", scenario("same"));
    await refused([one, two], /two\.yaml: id: "same" is also the id of .*one\.yaml/);
  });
});

describe("a user's own scenario file", () => {
  it("runs when named on the command line, whatever its file is called", async () => {
    const path = await file("my-check.yaml", scenario("sleeps-once"));
    const { exitCode, stdout } = await cli("gate", path);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/^PASS\s+sleeps-once/m);
  });
});
