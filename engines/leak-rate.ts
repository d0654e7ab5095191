// A transition run N times: how many runs leaked, as a rate with its 95% Wilson score interval,
// so a racy leak seen 7 times in 10 reads as "7/10 (40–89%)", not as a pass one run and a fail
// the next. The runs fold into one result per transition, so every writer shows them unchanged.
import { type LeakRate, type ScenarioResult, type Verdict } from "../result/result.js";

/** z for a two-sided 95% interval. */
const Z = 1.959964;

/** The Wilson score interval for k successes in n trials: sound at k = 0 and k = n, unlike the normal approximation. */
export function wilson(k: number, n: number, z = Z): { low: number; high: number } {
  if (n === 0) return { low: 0, high: 1 };
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  // At k = 0 and k = n the bound is exactly 0 or 1; floating point would miss it by an ulp.
  return { low: k === 0 ? 0 : Math.max(0, centre - half), high: k === n ? 1 : Math.min(1, centre + half) };
}

/** A run leaked when something of the job outlived it: a survivor check failed, or the harness had to reap. */
export function leaked(result: ScenarioResult): boolean {
  const survivor = new Set(["no-tagged-survivor", "no-surviving-group"]);
  return result.reaped.length > 0 || result.checks.some((c) => !c.ok && survivor.has(c.invariant));
}

const rssOf = (result: ScenarioResult): number => result.reaped.reduce((sum, p) => sum + p.rssBytes, 0);

export function leakRate(runs: readonly ScenarioResult[]): LeakRate {
  const leaking = runs.filter(leaked);
  const { low, high } = wilson(leaking.length, runs.length);
  const rss = leaking.length === 0 ? 0 : leaking.reduce((sum, r) => sum + rssOf(r), 0) / leaking.length;
  return { leaked: leaking.length, runs: runs.length, low, high, rssLeftBytes: Math.round(rss) };
}

const RANK: Readonly<Record<Verdict, number>> = { pass: 0, error: 1, fail: 2 };

/**
 * One result for N runs of one scenario on one adapter: the worst verdict (a failure outranks an
 * error, as everywhere), the checks and survivors of the first run that had it, the total time,
 * and the leak rate.
 */
export function foldRuns(runs: readonly ScenarioResult[]): ScenarioResult {
  if (runs.length === 0) throw new Error("foldRuns: no runs");
  const worst = runs.reduce((a, b) => (RANK[b.verdict] > RANK[a.verdict] ? b : a));
  return {
    ...worst,
    durationMs: runs.reduce((sum, r) => sum + r.durationMs, 0),
    leakRate: leakRate(runs),
  };
}

