// The gate run as an ordinary user (issue 15, §2). To anyone but root, /proc/<pid>/environ of a
// non-dumpable process is unreadable (it becomes root's), so no tag names it: a tag scan misses
// it, and the same leak exits 1 as root and 0 as the user. The probe falls back to ancestry: a
// process whose environment it cannot read, descended from a process of the run, is the run's.
//
// Before the probe attributed by ancestry, on this tree: as reapcheck-nonroot the faulted run
// exited 0 ("PASS adapter-hides", the hidden python3 left alive, ppid 1), so "exits 1 and names
// the hidden process" failed on its exit code; the clean run exited 0 too, with the same child
// left alive, so "leaves no process of its run alive" failed; as root the faulted run exited 1.
// After: the faulted run exits 1 as the user, naming the child "found by ancestry", and the
// reaper ends it; the clean run exits 0 once the reference engine also ends escapees by ancestry.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../harness/compiled-paths.js";
import { killProcesses } from "../../os/process-group.js";
import { envVar, isZombie, listPids, readEnviron, readStat } from "../../os/proc-stat.js";
import { RUN_TAG } from "../../protocol/tags.js";
import { type Owner, attributeByDescent } from "../../harness/probes/attribution.js";
import { type ProcessInfo, describeProcesses } from "../../result/process.js";

const USER = "reapcheck-nonroot";
const CLI = join(PACKAGE_ROOT, "dist/cli/main.js");

const has = (tool: string): boolean => spawnSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" }).status === 0;
const userExists = (): boolean => spawnSync("id", ["-u", USER], { stdio: "ignore" }).status === 0;

/** Why these runs cannot happen here, or null. Said in the test's name: a skip is never silent. */
function missing(): string | null {
  if (process.platform !== "linux") return "needs Linux /proc";
  if (process.getuid?.() !== 0) return "needs root, to make an ordinary user and run the gate as it";
  if (!has("runuser")) return "needs runuser, to run the gate as an ordinary user";
  if (!userExists() && !has("useradd")) return `needs useradd, to make the user ${USER}`;
  // The fake CLI makes its child non-dumpable with python3's ctypes (Node cannot call prctl).
  if (!has("python3")) return "needs python3, which the fake adapter's hidden child runs";
  return null;
}
const skip = missing();
const named = (title: string): string => (skip === null ? title : `${title} (skipped: ${skip})`);

const SCENARIO = `id: adapter-hides
title: a CLI child leaves the chain's group and makes itself non-dumpable; to its own user only its ancestry finds it
real_adapters: { skip: "it needs a fake-adapter knob a real chain does not have (a non-dumpable child)" }
jobs:
  - id: job
    flow:
      steps:
        - name: work
          # The turn lasts long enough for the scan at agent.prompt_sent to see the chain whole.
          agent: { prompt: "start a hidden helper", escape: hidden, latency_ms: 300 }
expect:
  job: { status: completed, reason: completed }
`;

let dir = "";
let scenario = "";
let uid = -1;

function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0").join(" ").trim();
  } catch {
    return "(gone)";
  }
}

function uidOf(pid: number): number | null {
  // The real uid from status: the /proc/<pid> folder of a non-dumpable process shows root.
  try {
    const line = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return line === null ? null : Number(line[1]);
  } catch {
    return null;
  }
}

/**
 * Live processes of a gate run as `asUser` (root reads every environment): our user's processes
 * with a run tag, or, for a root run, processes tagged with a run the gate named in its output.
 */
function leftOf(asUser: boolean, output: string): { pid: number; starttime: number; args: string }[] {
  return listPids().flatMap((pid) => {
    const stat = readStat(pid);
    if (stat === null || isZombie(stat) || pid === process.pid) return [];
    const run = envVar(readEnviron(pid), RUN_TAG);
    if (run === null) return [];
    const ours = asUser ? uidOf(pid) === uid : output.includes(run);
    if (!ours) return [];
    return [{ pid, starttime: stat.starttime, args: cmdlineOf(pid) }];
  });
}

/** What a run left alive, killed by identity so the test leaves nothing behind; returns it. */
async function reapLeft(asUser: boolean, output: string): Promise<string[]> {
  const left = leftOf(asUser, output);
  await killProcesses(left);
  return left.map((p) => `pid ${p.pid}: ${p.args}`);
}

async function gate(asUser: boolean, ...args: string[]) {
  const command = asUser ? ["runuser", "-u", USER, "--", process.execPath, CLI] : [process.execPath, CLI];
  const result = await execa(command[0]!, [...command.slice(1), "gate", scenario, "--json", ...args], { reject: false, all: false, cwd: dir });
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

interface Survivor {
  args: string;
  attributedBy?: string | null;
}
interface GateJson {
  results: { run: string; verdict: string; checks: { invariant: string; ok: boolean; survivors: Survivor[] }[]; reaped: Survivor[] }[];
}

// Its command line, whichever python3 PATH found (root's may be a pyenv shim's).
const hiddenChild = (p: Survivor): boolean => p.args.includes("python3 -S -c import ctypes,os,sys,time;os.setsid();");

describe.skipIf(skip !== null)(named("the gate as an ordinary user"), () => {
  beforeAll(() => {
    if (!userExists()) {
      const made = spawnSync("useradd", ["--system", "--no-create-home", USER], { encoding: "utf8" });
      // Made by someone else in the meantime is as good; any other failure is the test's.
      if (!userExists()) throw new Error(`useradd ${USER} failed: ${made.stderr}`);
    }
    uid = Number(spawnSync("id", ["-u", USER], { encoding: "utf8" }).stdout.trim());
    dir = mkdtempSync(join(tmpdir(), "reapcheck-nonroot-"));
    scenario = join(dir, "adapter-hides.yaml");
    writeFileSync(scenario, SCENARIO);
    // The user runs the gate in this folder and reads the scenario from it.
    chmodSync(dir, 0o755);
    chmodSync(scenario, 0o644);
  });
  afterAll(async () => {
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
    // A run that failed part-way may have left something: end it by identity.
    if (uid >= 0) await reapLeft(true, "");
  });

  it(named("as root, the faulted run exits 1: root reads the hidden child's tag"), async () => {
    const { exitCode, stdout, stderr } = await gate(false, "--fault", "kill-ignores-escapes");
    const left = await reapLeft(false, stdout);
    expect(exitCode, stderr).toBe(1);
    const [result] = (JSON.parse(stdout) as GateJson).results;
    const check = result!.checks.find((c) => c.invariant === "no-tagged-survivor" && !c.ok);
    expect(check?.survivors.filter(hiddenChild).map((p) => p.attributedBy)).toEqual(["tag"]);
    expect(left).toEqual([]);
  });

  it(named("as the user, the faulted run exits 1 and names the hidden child, found by ancestry"), async () => {
    const { exitCode, stdout, stderr } = await gate(true, "--fault", "kill-ignores-escapes");
    const left = await reapLeft(true, stdout);
    expect(exitCode, `${stdout}\n${stderr}`).toBe(1);
    const [result] = (JSON.parse(stdout) as GateJson).results;
    const check = result!.checks.find((c) => c.invariant === "no-tagged-survivor" && !c.ok);
    expect(check?.survivors.filter(hiddenChild).map((p) => p.attributedBy), JSON.stringify(result)).toEqual(["ancestry"]);
    // The reaper ended it too: the probe's attribution is what it kills.
    expect(result!.reaped.filter(hiddenChild).map((p) => p.attributedBy)).toEqual(["ancestry"]);
    expect(left).toEqual([]);
  });

  describe("the clean run, as the user", () => {
    let run: Awaited<ReturnType<typeof gate>> | null = null;
    let left: string[] = [];
    beforeAll(async () => {
      run = await gate(true);
      left = await reapLeft(true, run.stdout);
    });

    it(named("leaves no process of its run alive"), () => {
      expect(run).not.toBeNull();
      expect(left).toEqual([]);
    });

    // The reference engine's pool ends a chain's escapees by ancestry too, read before the kill:
    // as the user it cannot read this child's tag, and it still ends it.
    it(named("exits 0: the engine ended the hidden child it could not read the tags of"), () => {
      expect(run?.exitCode, run?.stdout).toBe(0);
    });
  });
});

/** A process as a probe reports it, by hand: pid, parent, and its tags if it shows any. */
function proc(pid: number, ppid: number, tags: { run: string; job: string | null } | null = null): ProcessInfo {
  return { pid, ppid, pgid: pid, sid: pid, state: "S", starttime: 1000 + pid, rssBytes: 0, args: `[p${pid}]`, run: tags?.run ?? null, job: tags?.job ?? null, attributedBy: tags === null ? null : "tag" };
}

describe("attribution by descent, where an environment is unreadable", () => {
  const run = "rc-test";
  const cli = proc(20, 10, { run, job: "rc-test.job" });
  // 1 init, 10 the engine (tagged, no job), 20 the chain's CLI, 30 hidden child of the CLI, 40
  // hidden grandchild, 50 a readable child that cleared its tags, 60 a hidden child of that one,
  // 70 someone else's hidden process.
  const table = [proc(1, 0), proc(10, 1, { run, job: null }), cli, proc(30, 20), proc(40, 30), proc(50, 20), proc(60, 50), proc(70, 1)];
  const unreadable = new Set([1, 30, 40, 60, 70]);
  const attribute = (processes: ProcessInfo[], remembered: (p: ProcessInfo) => Owner | undefined = () => undefined) =>
    attributeByDescent(processes, (p) => unreadable.has(p.pid), remembered);
  const byPid = (processes: ProcessInfo[]) => new Map(processes.map((p) => [p.pid, p]));

  it("gives an unreadable descendant of the run the run and job of its nearest attributed ancestor, and nothing else", () => {
    const seen = byPid(attribute(table).processes);
    expect(seen.get(30)).toMatchObject({ run, job: "rc-test.job", attributedBy: "ancestry" });
    expect(seen.get(40)).toMatchObject({ run, job: "rc-test.job", attributedBy: "ancestry" });
    expect(seen.get(20)).toMatchObject({ run, attributedBy: "tag" });
    // A readable process without tags stops the descent; init and someone else's are not ours.
    for (const pid of [1, 50, 60, 70]) expect(seen.get(pid)).toMatchObject({ run: null, job: null, attributedBy: null });
  });

  it("keeps what it learned while the parent lived: reparented to init, the child is still the run's", () => {
    const before = attribute(table).parentOwners;
    const kept = new Map([...before].map(([p, owner]) => [p.pid, owner]));
    expect(kept.get(30)).toEqual({ run, job: "rc-test.job" });
    // The chain is killed: the hidden child and grandchild now hang off init.
    const after = byPid(attribute([proc(1, 0), proc(30, 1), proc(40, 30), proc(70, 1)], (p) => kept.get(p.pid)).processes);
    expect(after.get(30)).toMatchObject({ run, job: "rc-test.job", attributedBy: "ancestry" });
    expect(after.get(40)).toMatchObject({ run, attributedBy: "ancestry" });
    expect(after.get(70)).toMatchObject({ run: null, attributedBy: null });
    // Without that memory the orphan is nobody's: the hole this closes.
    expect(byPid(attribute([proc(1, 0), proc(30, 1)]).processes).get(30)).toMatchObject({ run: null });
  });

  it("says in a report's process line how a process was found, where not by its tag", () => {
    const hidden = { ...proc(30, 1), args: "python3 -c hide", run, job: "rc-test.job", attributedBy: "ancestry" as const };
    const member = { ...proc(50, 20), args: "sleep 300", attributedBy: "group" as const };
    const text = describeProcesses([cli, hidden, member]);
    expect(text).toMatch(/pid 30 .*python3 -c hide \(found by ancestry: its environment is unreadable\)$/m);
    expect(text).toMatch(/pid 50 .*sleep 300 \(found by group: it carries no tag\)$/m);
    expect(text).toMatch(/pid 20 [\d.]+ MB \[p20\]$/m);
  });
});
