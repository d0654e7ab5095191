// The whole result for machines. Keys are written sorted at every level, so two runs with the
// same outcome diff cleanly whatever order the code built the objects in.
import type { GateResult } from "../result/result.js";

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}

export function gateJson(gate: GateResult): string {
  return `${JSON.stringify(sortKeys(gate), null, 2)}\n`;
}
