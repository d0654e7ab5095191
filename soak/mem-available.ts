// The host's MemAvailable: the kernel's estimate of what can still be allocated without swapping,
// which is what the reference report watched fall from ~5 GB to 31 MB.
import { readFileSync } from "node:fs";

export class MemInfoError extends Error {}

export function parseMemAvailable(meminfo: string): number {
  const match = /^MemAvailable:\s+(\d+)\s+kB$/m.exec(meminfo);
  if (match === null) throw new MemInfoError("no MemAvailable line in /proc/meminfo (Linux 3.14 or later is needed)");
  return Number(match[1]) * 1024;
}

/** Bytes available now; throws a MemInfoError where /proc/meminfo cannot tell. */
export function readMemAvailable(): number {
  let text: string;
  try {
    text = readFileSync("/proc/meminfo", "latin1");
  } catch (error) {
    throw new MemInfoError(`cannot read /proc/meminfo: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return parseMemAvailable(text);
}
