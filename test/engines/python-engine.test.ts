// The second engine: examples/python-engine, standard-library Python speaking the engine protocol.
// The same scenarios and invariants judge it as the reference engine; its faults are caught the
// same way, the reference report's bug among them, in the language it was first written in.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { profileNamed } from "../../harness/adapters/registry.js";
import { PACKAGE_ROOT } from "../../harness/compiled-paths.js";
import { runConformance } from "../../harness/conformance.js";
import { describeEngine } from "../../harness/describe-engine.js";
import { type EngineCommand, shellEngine } from "../../harness/engine-command.js";
import { missingCapabilities } from "../../harness/engine-plan.js";
import { runMutate } from "../../harness/mutate.js";
import { ProcScan } from "../../harness/probes/proc-scan.js";
import { DEFAULT_RUN_OPTIONS } from "../../harness/runner.js";
import type { Capabilities } from "../../protocol/messages.js";
import type { ScenarioResult } from "../../result/result.js";
import { failedInvariants, gate, scenarios, verdicts } from "../support/gate.js";

// This file starts the engine about a hundred times, and on a host like this one most of a
// Python start is not the engine's: python3 on PATH is a version manager's shim (pyenv's is a bash
// script), and site-packages holds a .pth file that imports certifi (40 ms a start). The engine
// uses the standard library alone, so the interpreter the shim picks is asked for once and started
// directly, without site (-S): 11 ms a start instead of about 120.
const interpreter = execFileSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).trim();
const python = shellEngine(`${interpreter} -S ${join(PACKAGE_ROOT, "examples/python-engine/engine.py")}`);
let caps: Capabilities;

beforeAll(async () => {
  caps = (await describeEngine(python, new ProcScan())).capabilities;
});

const survivorArgs = (result: ScenarioResult | undefined): string[] =>
  (result?.checks ?? []).filter((c) => !c.ok && c.invariant === "no-surviving-group").flatMap((c) => c.survivors.map((p) => p.args));

describe("the Python engine", () => {
  it("speaks the protocol: every conformance rule passes", async () => {
    const result = await runConformance(python, new ProcScan());
    expect(result.rules.filter((r) => r.verdict !== "pass")).toEqual([]);
  });

  it("its kill_group finds a member forked into the group after the SIGTERM, and SIGKILLs it", async () => {
    // As the reference engine's test of killGroup: on SIGTERM the leader starts a child that
    // ignores TERM, in its group, and exits, so every member seen before the signal is gone while
    // the group is not empty. A single look at /proc taken while the child is forked misses it.
    const driver = `
import asyncio, os, subprocess, sys
sys.path.insert(0, ${JSON.stringify(join(PACKAGE_ROOT, "examples/python-engine"))})
import engine
script = """trap '(trap "" TERM; exec sleep 30) & exit 0' TERM; echo ready; while :; do sleep 0.05; done"""
leader = subprocess.Popen(["sh", "-c", script], stdout=subprocess.PIPE, start_new_session=True)
try:
    leader.stdout.readline()
    owns = engine.led_by(leader.pid, engine.read_stat(leader.pid).starttime)
    result = asyncio.run(engine.kill_group(leader.pid, grace_s=1.0, owns=owns))
    print(result.gone, result.signal, [p.pid for p in engine.live_group_members(leader.pid)])
finally:
    try:
        os.killpg(leader.pid, 9)
    except ProcessLookupError:
        pass`;
    const out = execFileSync(interpreter, ["-S", "-c", driver], { encoding: "utf8" }).trim();
    expect(out).toBe("True SIGKILL []");
  });

  it("fails the reference report's bug, exit-abandon-skips-release, naming released and the surviving chain", async () => {
    const result = await gate(scenarios("exit-abandon"), { engine: python, faults: ["exit-abandon-skips-release"] });
    expect(verdicts(result)).toEqual({ "exit-abandon": "fail" });
    expect(failedInvariants(result, "exit-abandon")).toEqual(expect.arrayContaining(["released", "no-surviving-group"]));
    const leaked = survivorArgs(result.results[0]);
    for (const part of ["fake-wrapper", "fake/agent", "fake-cli"]) expect(leaked).toEqual(expect.arrayContaining([expect.stringContaining(part)]));
  });

  it("is caught sharing a chain it kills too soon even where it begins each release late, after the next command", async () => {
    // The engine as shipped, its releases begun 300 ms after it says a job ended: the protocol
    // lets an engine take a later command (here, the holder's cancel) first. An action on the quick
    // job's end would cancel the holder before the premature kill, which then harms no one.
    const late = [
      "import asyncio, importlib.util, os, sys",
      `spec = importlib.util.spec_from_file_location("engine", ${JSON.stringify(join(PACKAGE_ROOT, "examples/python-engine/engine.py"))})`,
      "engine = importlib.util.module_from_spec(spec); sys.modules['engine'] = engine; spec.loader.exec_module(engine)",
      "release = engine.Engine._release",
      "async def late(self, job):",
      "    await asyncio.sleep(0.3)",
      "    await release(self, job)",
      "engine.Engine._release = late",
      "asyncio.run(engine.main()); sys.stderr.flush(); os._exit(0)",
    ].join("\n");
    const lateEngine: EngineCommand = { argv: [interpreter, "-S", "-c", late], label: "the Python engine, its releases begun late" };
    const faulted = await gate(scenarios("shared-adapter"), { engine: lateEngine, faults: ["refcount-ignored"] });
    expect(failedInvariants(faulted, "shared-adapter")).toContain("no-premature-kill");
    expect(verdicts(await gate(scenarios("shared-adapter"), { engine: lateEngine }))).toEqual({ "shared-adapter": "pass" });
  });

  it("passes the whole catalogue on the fake chain (mutate's clean run), and mutate --targeted catches each fault it implements by its invariant", async () => {
    expect(caps.faults).toContain("exit-abandon-skips-release");
    const all = scenarios();
    const result = await runMutate(
      all,
      caps.faults,
      { ...DEFAULT_RUN_OPTIONS, engine: python, capabilities: caps, adapter: profileNamed("fake"), probe: new ProcScan(), concurrency: 4, deadlineMs: 2_000 },
      true,
    );
    expect(all.flatMap((s) => missingCapabilities(s, caps).map((m) => `${s.id}: ${m}`))).toEqual([]);
    expect(result.skipped).toEqual([]);
    expect(result.cleanFailures).toEqual([]);
    expect(result.clean).toBe("pass");
    expect(result.rows.filter((r) => r.outcome.kind !== "caught").map((r) => `${r.fault}: ${JSON.stringify(r.caughtBy)}`)).toEqual([]);
    expect(result.rows.map((r) => r.fault)).toEqual(caps.faults);
  });
});

// The cheapest real chain carries the default run's share; `npm run gate:real` runs every lane in full.
const codex = profileNamed("codex-acp");
const REAL_PATHS = ["complete", "exit-abandon", "cancel", "crash-restart"];

describe.skipIf(!codex.available().ok)("the Python engine on a real chain (codex-acp)", () => {
  it("passes key transitions with real prompt turns, and fails the seed bug naming the real chain", async () => {
    const [clean, faulted] = await Promise.all([
      gate(scenarios(...REAL_PATHS), { engine: python, adapter: codex, deadlineMs: 5_000 }),
      gate(scenarios("exit-abandon"), { engine: python, adapter: codex, faults: ["exit-abandon-skips-release"], concurrency: 1 }),
    ]);
    expect(verdicts(clean)).toEqual(Object.fromEntries(REAL_PATHS.map((id) => [id, "pass"])));
    expect(verdicts(faulted)).toEqual({ "exit-abandon": "fail" });
    expect(survivorArgs(faulted.results[0])).toEqual(expect.arrayContaining([expect.stringMatching(/^npm exec/), expect.stringMatching(/codex-acp-linux-\w+\/bin\/codex-acp$/)]));
  });
});
