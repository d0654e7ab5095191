// Polling until a deadline, as goleak retries before it fails: a check that passes late passes,
// one that never passes is reported with its last failing value, looked at on the deadline.
import { setTimeout as sleep } from "node:timers/promises";

export interface Settled<T> {
  ok: boolean;
  value: T;
  attempts: number;
}

/**
 * Unless told an interval, the first retry comes soon and each next one half as long again after
 * the last, up to a cap: most checks hold within tens of milliseconds of the first look, and each
 * look scans the whole process table, so one that never holds is looked at about 15 times over a
 * 3-second deadline instead of 60.
 */
const FIRST_INTERVAL_MS = 20;
const MAX_INTERVAL_MS = 250;

export async function waitUntil<T>(
  check: () => Promise<T>,
  passed: (value: T) => boolean,
  options: { deadlineMs: number; intervalMs?: number },
): Promise<Settled<T>> {
  const end = Date.now() + options.deadlineMs;
  let interval = options.intervalMs ?? FIRST_INTERVAL_MS;
  for (let attempts = 1; ; attempts++) {
    const value = await check();
    if (passed(value)) return { ok: true, value, attempts };
    const left = end - Date.now();
    if (left <= 0) return { ok: false, value, attempts };
    await sleep(Math.min(interval, left));
    if (options.intervalMs === undefined) interval = Math.min(MAX_INTERVAL_MS, interval * 1.5);
  }
}
