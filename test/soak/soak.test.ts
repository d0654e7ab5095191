// Short soaks against real engines and real fake-adapter chains: the faulted exit-abandon path
// must show one chain per job, the sound one a flat line, and the floor must stop a run early.
import { describe, expect, it } from "vitest";
import { MiB } from "../../soak/byte-size.js";
import { readMemAvailable } from "../../soak/mem-available.js";
import { DEFAULT_SOAK_OPTIONS, type SoakOptions, runSoak } from "../../soak/runner.js";
import { SOAK_EXIT } from "../../soak/result.js";
import { profileNamed } from "../../harness/adapters/registry.js";
import { ProcScan } from "../../harness/probes/proc-scan.js";
import { isAlive } from "../../result/process.js";
import { scenarios } from "../support/gate.js";

const probe = new ProcScan();

function soak(options: Partial<SoakOptions>) {
  return runSoak({
    ...DEFAULT_SOAK_OPTIONS,
    scenario: scenarios("exit-abandon")[0]!,
    jobs: 20,
    concurrency: 2,
    ballastMb: 4,
    adapter: profileNamed("fake"),
    faults: [],
    probe,
    sampleIntervalMs: 500,
    readMemAvailable,
    ...options,
  });
}

async function survivors(run: string): Promise<number> {
  return (await probe.scan()).filter((p) => p.run === run && isAlive(p)).length;
}

describe("soak", () => {
  it("finds the reference bug: the slope is one chain per job", async () => {
    const result = await soak({ faults: ["exit-abandon-skips-release"] });
    expect(result.ending).toEqual({ kind: "finished" });
    expect(result.verdict).toBe("leak");
    expect(SOAK_EXIT[result.verdict]).toBe(1);
    expect(result.jobsDone).toBe(20);
    expect(result.liveGroupsAtEnd).toBe(20);
    const chainMib = result.chainRss!.medianBytes / MiB;
    // The shell, the agent (node) and its CLI (perl), the last two with 4 MiB of ballast each:
    // about 60 MiB, well over 40, as the probe measures it.
    expect(chainMib).toBeGreaterThan(40);
    expect(result.fit!.slope / chainMib).toBeGreaterThan(0.9);
    expect(result.fit!.slope / chainMib).toBeLessThan(1.1);
    expect(await survivors(result.run)).toBe(0);
  });

  it("calls the sound engine clean: flat slope, no group left", async () => {
    const result = await soak({});
    expect(result.verdict).toBe("clean");
    expect(result.liveGroupsAtEnd).toBe(0);
    expect(Math.abs(result.fit!.slope)).toBeLessThan(DEFAULT_SOAK_OPTIONS.leakThresholdMibPerJob);
    expect(result.reapedAtEnd).toBe(0);
    expect(await survivors(result.run)).toBe(0);
  });

  it("stops at the memory floor, reaps, and says after how many jobs", async () => {
    // A floor a few chains under what the host has now: the leaking engine reaches it quickly. The
    // chains carry more ballast than the other tests' so that a leaked one is far above the noise
    // other processes on the host make in MemAvailable.
    const floorBytes = readMemAvailable() - 600 * MiB;
    const result = await soak({ faults: ["exit-abandon-skips-release"], floorBytes, force: true, ballastMb: 16 });
    expect(result.ending.kind).toBe("memory-floor");
    expect(result.verdict).toBe("memory-floor");
    expect(SOAK_EXIT[result.verdict]).toBe(1);
    expect(result.jobsDone).toBeLessThan(20);
    expect(result.reasons[0]).toMatch(new RegExp(`^stopped at the memory floor after ${result.jobsDone} jobs `));
    expect(await survivors(result.run)).toBe(0);
  });

  it("refuses to start when every job leaking could not fit above the floor", async () => {
    const result = await soak({ faults: ["exit-abandon-skips-release"], floorBytes: readMemAvailable() - 1_000 * MiB });
    expect(result.verdict).toBe("refused");
    expect(SOAK_EXIT[result.verdict]).toBe(2);
    expect(result.projection).toMatchObject({ basis: "every-job-leaks", fits: false });
    expect(result.reasons[0]).toMatch(/projected peak .* --force/);
    expect(result.samples).toEqual([]);
  });

  it("refuses a transition that shuts the engine down", async () => {
    const result = await soak({ scenario: scenarios("shutdown")[0]! });
    expect(result.verdict).toBe("refused");
    expect(result.reasons[0]).toMatch(/shuts the engine down/);
  });
});
