// The soak's pure parts: the fit, sizes, MemAvailable, the floor's arithmetic, the verdict, and
// the per-job pool keys that keep every soak job on its own chain.
import { describe, expect, it } from "vitest";
import { poolKey } from "../../protocol/adapter-launch.js";
import { parseFlow } from "../../protocol/flow-schema.js";
import { MiB, parseByteSize } from "../../soak/byte-size.js";
import { leastSquares } from "../../soak/least-squares.js";
import { MemInfoError, parseMemAvailable } from "../../soak/mem-available.js";
import { chainEstimateBytes, projectPeak, wouldCrossFloor } from "../../soak/memory-floor.js";
import { passJobs } from "../../soak/pass.js";
import { judge } from "../../soak/result.js";
import { scenarios } from "../support/gate.js";

describe("leastSquares", () => {
  it("recovers a line exactly", () => {
    const fit = leastSquares([0, 1, 2, 3].map((x) => ({ x, y: 100 + 250 * x })))!;
    expect(fit.slope).toBeCloseTo(250, 9);
    expect(fit.intercept).toBeCloseTo(100, 9);
    expect(fit.r2).toBeCloseTo(1, 9);
  });

  it("averages repeated samples at one x and reports a weaker fit for scatter", () => {
    const fit = leastSquares([
      { x: 0, y: 0 },
      { x: 0, y: 2 },
      { x: 2, y: 2 },
      { x: 2, y: 4 },
    ])!;
    expect(fit.slope).toBeCloseTo(1, 9);
    expect(fit.intercept).toBeCloseTo(1, 9);
    expect(fit.r2).toBeCloseTo(0.5, 9);
  });

  it("has no slope without two distinct x", () => {
    expect(leastSquares([{ x: 1, y: 1 }])).toBeNull();
    expect(leastSquares([{ x: 3, y: 1 }, { x: 3, y: 9 }])).toBeNull();
  });
});

describe("sizes and MemAvailable", () => {
  it("reads sizes with binary and decimal units", () => {
    expect(parseByteSize("1GiB")).toBe(2 ** 30);
    expect(parseByteSize("512mib")).toBe(512 * MiB);
    expect(parseByteSize("800MB")).toBe(800e6);
    expect(parseByteSize("1.5g")).toBe(1.5 * 2 ** 30);
    expect(parseByteSize("4096")).toBe(4096);
    expect(parseByteSize("lots")).toBeNull();
    expect(parseByteSize("3 parsecs")).toBeNull();
  });

  it("takes MemAvailable in kB from /proc/meminfo", () => {
    expect(parseMemAvailable("MemTotal:  8000000 kB\nMemFree:  100 kB\nMemAvailable:     31744 kB\n")).toBe(31744 * 1024);
    expect(() => parseMemAvailable("MemTotal: 1 kB\n")).toThrow(MemInfoError);
  });
});

describe("the memory floor", () => {
  const base = { jobs: 300, concurrency: 2, chainBytes: 500 * MiB, memAvailableBytes: 5 * 1024 * MiB, floorBytes: 1024 * MiB };

  it("projects every chain leaking when a fault is on, as the reference host's 49 did", () => {
    const p = projectPeak({ ...base, assumeLeak: true });
    expect(p).toEqual({ basis: "every-job-leaks", peakBytes: 300 * 500 * MiB, budgetBytes: 4 * 1024 * MiB, fits: false });
  });

  it("projects only the jobs in flight on the sound engine", () => {
    expect(projectPeak({ ...base, assumeLeak: false })).toMatchObject({ basis: "in-flight-only", peakBytes: 1000 * MiB, fits: true });
  });

  it("stops before a chain would cross the floor, not after", () => {
    expect(wouldCrossFloor(1600 * MiB, 500 * MiB, 1024 * MiB)).toBe(false);
    expect(wouldCrossFloor(1500 * MiB, 500 * MiB, 1024 * MiB)).toBe(true);
  });

  it("estimates a fake chain as three node processes with their ballast", () => {
    expect(chainEstimateBytes(3, 100)).toBeGreaterThan(3 * 100 * MiB);
  });
});

describe("soak passes", () => {
  it("gives every pass its own adapter chain and fresh job ids", () => {
    const scenario = scenarios("exit-abandon")[0]!;
    const keyOf = (index: number) => {
      const [job] = passJobs(scenario, { run: "r1", index, ballastMb: 16 });
      const step = parseFlow(job!.flow).steps[0]!;
      if (step.executor.kind !== "agent") throw new Error("expected an agent step");
      expect(step.executor.agent.behaviour.ballastMb).toBe(16);
      return { id: job!.engineId, key: poolKey(step.executor.agent) };
    };
    const [a, b] = [keyOf(0), keyOf(1)];
    expect(a.id).not.toBe(b.id);
    expect(a.key).not.toBe(b.key);
  });
});

describe("the verdict", () => {
  const fit = (slope: number) => ({ slope, intercept: 0, r2: 1, n: 10 });
  const finished = { kind: "finished" } as const;

  it("is a leak above the threshold, or with a group left however flat the line", () => {
    expect(judge({ ending: finished, fit: fit(150), liveGroupsAtEnd: 20, thresholdMibPerJob: 10, errors: [] }).verdict).toBe("leak");
    expect(judge({ ending: finished, fit: fit(0.5), liveGroupsAtEnd: 1, thresholdMibPerJob: 10, errors: [] }).verdict).toBe("leak");
    expect(judge({ ending: finished, fit: fit(0.5), liveGroupsAtEnd: 0, thresholdMibPerJob: 10, errors: [] }).verdict).toBe("clean");
  });

  it("reports the floor as its own finding", () => {
    const floor = { kind: "memory-floor", afterJobs: 7, memAvailableBytes: 900 * MiB } as const;
    const judged = judge({ ending: floor, fit: fit(150), liveGroupsAtEnd: 7, thresholdMibPerJob: 10, errors: [] });
    expect(judged.verdict).toBe("memory-floor");
    expect(judged.reasons[0]).toMatch(/^stopped at the memory floor after 7 jobs/);
  });
});
