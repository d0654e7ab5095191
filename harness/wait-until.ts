// Polling until a deadline, as goleak retries before it fails: a check that passes late passes,
// one that never passes is reported with its last failing value.
import { setTimeout as sleep } from "node:timers/promises";

export interface Settled<T> {
  ok: boolean;
  value: T;
  attempts: number;
}

export async function waitUntil<T>(
  check: () => Promise<T>,
  passed: (value: T) => boolean,
  options: { deadlineMs: number; intervalMs?: number },
): Promise<Settled<T>> {
  const end = Date.now() + options.deadlineMs;
  for (let attempts = 1; ; attempts++) {
    const value = await check();
    if (passed(value)) return { ok: true, value, attempts };
    if (Date.now() >= end) return { ok: false, value, attempts };
    await sleep(options.intervalMs ?? 50);
  }
}
