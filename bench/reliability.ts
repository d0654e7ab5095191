// The reliability figures of the README, re-runnable: `npm run bench:reliability [-- runs [mutates]]`.
// 1. The harness SIGKILLed at a random moment of a gate: what its runs left (processes, folders).
// 2. Each class of malformed input: its exit code and how long the refusal took.
// 3. Full gates in a row: how many did not pass.
// 4. Full mutates beside a process that keeps one core busy: how many did not catch every fault.
// 5. Full mutates whose harness's event loop stalls at random: the same count.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { PACKAGE_ROOT } from "../harness/compiled-paths.js";
import { type MutateResult, outcomeWord } from "../harness/mutate.js";
import { ProcScan } from "../harness/probes/proc-scan.js";
import { waitUntil } from "../harness/wait-until.js";
import { isAlive } from "../result/process.js";

const CLI = join(PACKAGE_ROOT, "dist/cli/main.js");
const runs = Number(process.argv[2] ?? 10);
const mutateRuns = Number(process.argv[3] ?? 3);
const probe = new ProcScan();

/** Live processes of the runs a harness was seen to start. */
async function liveOf(runsSeen: Set<string>): Promise<number> {
  return (await probe.scan()).filter((p) => p.run !== null && runsSeen.has(p.run) && isAlive(p)).length;
}

async function killedAtRandom(): Promise<{ survivors: number; folders: number }> {
  let survivors = 0;
  let folders = 0;
  for (let i = 0; i < runs; i++) {
    const tmp = mkdtempSync(join(tmpdir(), "reapcheck-reliability-"));
    const harness = execa(process.execPath, [CLI, "gate", "--only", "shared-adapter", "--only", "cancel", "--only", "crash-restart"], { reject: false, env: { TMPDIR: tmp } });
    const seen = new Set<string>();
    const until = Date.now() + 300 + Math.random() * 3_000;
    while (Date.now() < until) {
      for (const p of await probe.scan()) if (p.run !== null && p.ppid === harness.pid) seen.add(p.run);
      await new Promise((r) => setTimeout(r, 50));
    }
    harness.kill("SIGKILL");
    await harness;
    // The watchdog reaps and removes in its own time: wait for it, then count what is left.
    await waitUntil(async () => (await liveOf(seen)) + readdirSync(tmp).length, (n) => n === 0, { deadlineMs: 15_000 });
    survivors += await liveOf(seen);
    folders += readdirSync(tmp).length;
    rmSync(tmp, { recursive: true, force: true });
  }
  return { survivors, folders };
}

const MALFORMED: [string, string][] = [
  ["not YAML", "id: [unclosed\n"],
  ["a duplicate key", "id: a\nid: b\n"],
  ["an alias bomb", `${["a: &a [x, x, x, x, x, x, x, x, x]", ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(", ")}]`)].join("\n")}\n`],
  ["deep nesting", `${"[".repeat(1_500)}${"]".repeat(1_500)}\n`],
  ["100,000 keys", Array.from({ length: 100_000 }, (_, i) => `k${i}: ${i}`).join("\n")],
  ["a timer past 2^31 ms", "id: t\ntitle: t\njobs:\n  - id: j\n    flow: { steps: [{ name: a, sleep_ms: 4294967296 }] }\nexpect:\n  j: { status: completed, reason: completed }\n"],
  ["an unknown field", "id: t\ntitle: t\nnope: 1\njobs: []\nexpect: {}\n"],
];

async function malformed(): Promise<{ what: string; code: number | undefined; ms: number }[]> {
  const dir = mkdtempSync(join(tmpdir(), "reapcheck-reliability-input-"));
  const out: { what: string; code: number | undefined; ms: number }[] = [];
  const time = async (what: string, args: string[]): Promise<void> => {
    const started = Date.now();
    const { exitCode } = await execa(process.execPath, [CLI, ...args], { reject: false });
    out.push({ what, code: exitCode, ms: Date.now() - started });
  };
  for (const [i, [what, text]] of MALFORMED.entries()) {
    const file = join(dir, `case-${i}.yaml`);
    writeFileSync(file, text);
    await time(what, ["gate", file]);
  }
  await time("an empty scenario folder", ["gate", "--scenarios", mkdtempSync(join(dir, "empty-"))]);
  await time("an unknown fault", ["gate", "--fault", "nope"]);
  await time("an unknown adapter", ["gate", "--adapter", "nope"]);
  await time("a report folder under /proc", ["gate", "--report", "/proc/1/nope"]);
  await time("an engine that does not exist", ["gate", "--engine-command", "/nonexistent/engine"]);
  rmSync(dir, { recursive: true, force: true });
  return out;
}

async function repeatedGates(): Promise<{ runs: number; notPassed: number }> {
  let notPassed = 0;
  for (let i = 0; i < runs; i++) {
    const { exitCode } = await execa(process.execPath, [CLI, "gate", "--concurrency", "8"], { reject: false });
    if (exitCode !== 0) notPassed++;
  }
  return { runs, notPassed };
}

/** Full mutates, each row that did not catch its fault named, and a clean run that did not pass. */
async function mutates(runs: number, nodeArgs: string[] = []): Promise<string[]> {
  const notPassed: string[] = [];
  for (let i = 0; i < runs; i++) {
    const { exitCode, stdout, stderr } = await execa(process.execPath, [...nodeArgs, CLI, "mutate", "--json"], { reject: false });
    if (exitCode === 0) continue;
    if (stdout === "") {
      notPassed.push(`exit ${exitCode}: ${stderr.split("\n")[0]}`);
      continue;
    }
    const result = JSON.parse(stdout) as MutateResult;
    const rows = result.rows.filter((r) => r.outcome.kind !== "caught").map((r) => `${r.fault} ${outcomeWord(r.outcome)}`);
    notPassed.push(`exit ${exitCode}, clean run ${result.clean}${rows.length > 0 ? `, ${rows.join(", ")}` : ""}`);
  }
  return notPassed;
}

/**
 * A loaded host is where a check that leans on timing shows it: the harness then answers late. The
 * busy loop ends itself when this process does, so nothing of it outlives an interrupted bench.
 */
async function mutatesBesideABusyCore(): Promise<string[]> {
  const spin = `const parent = process.ppid; for (let i = 0; ; i++) if (i % 1e7 === 0 && process.ppid !== parent) process.exit(0);`;
  const busy = execa(process.execPath, ["-e", spin], { reject: false });
  try {
    return await mutates(mutateRuns);
  } finally {
    busy.kill("SIGKILL");
    await busy;
  }
}

const killed = await killedAtRandom();
console.log(`harness SIGKILLed at a random moment, ${runs} runs: ${killed.survivors} surviving processes, ${killed.folders} state folders left`);
const inputs = await malformed();
for (const i of inputs) console.log(`  ${i.what.padEnd(32)} exit ${i.code}  ${i.ms} ms`);
console.log(`malformed input, ${inputs.length} classes: ${inputs.filter((i) => i.code === 2).length} exit 2, slowest ${Math.max(...inputs.map((i) => i.ms))} ms`);
const gates = await repeatedGates();
console.log(`full gates in a row (--concurrency 8), ${gates.runs} runs: ${gates.notPassed} did not pass`);
const loaded = await mutatesBesideABusyCore();
console.log(`full mutates beside a busy core, ${mutateRuns} runs: ${loaded.length} did not catch every fault${loaded.map((n) => `\n  ${n}`).join("")}`);
const stalled = await mutates(mutateRuns, ["--import", join(PACKAGE_ROOT, "dist/bench/stalled-loop.js")]);
console.log(`full mutates, the harness's event loop stalled at random, ${mutateRuns} runs: ${stalled.length} did not catch every fault${stalled.map((n) => `\n  ${n}`).join("")}`);
