// Sizes a person types (`--mem-floor 1GiB`) and sizes a person reads in progress lines.

const UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  k: 2 ** 10,
  m: 2 ** 20,
  g: 2 ** 30,
};

/** "1GiB", "512MB", "1.5g", "2048" (bytes); null when it is not a size. */
export function parseByteSize(text: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (match === null) return null;
  const unit = UNITS[(match[2] ?? "").toLowerCase() || "b"];
  if (unit === undefined) return null;
  return Math.round(Number(match[1]) * unit);
}

export const MiB = 2 ** 20;

export function formatMiB(bytes: number): string {
  return `${(bytes / MiB).toFixed(bytes < 10 * MiB ? 1 : 0)} MiB`;
}

export function formatGiB(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
}
