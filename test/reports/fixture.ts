// The writers' fixed input: a gate result captured from a real run (exit-abandon with its fault,
// and complete passing), and the normalising that keeps goldens stable when it is re-captured.
import { readFileSync } from "node:fs";
import type { GateResult } from "../../result/result.js";

export const FIXTURE = new URL("./fixtures/gate-exit-abandon-fault.json", import.meta.url);

export function fixture(): GateResult {
  return JSON.parse(readFileSync(FIXTURE, "utf8")) as GateResult;
}

/**
 * Replaces what differs between two captures of the same run: run ids, pids (numbered in order
 * of appearance), sizes, ages, durations, uptimes and start times.
 */
export function normalise(text: string, gate: GateResult): string {
  let out = text;
  for (const [n, r] of gate.results.entries()) out = out.replaceAll(r.run, `<run${n + 1}>`);
  const pids: number[] = [];
  // init (1) and "none" (0) are the same in every capture, and numbering them would rewrite every 0 and 1.
  const note = (pid: number): void => {
    if (pid > 1 && !pids.includes(pid)) pids.push(pid);
  };
  for (const r of gate.results) {
    for (const s of r.snapshots ?? []) for (const p of s.processes) [p.pid, p.ppid, p.pgid, p.sid].forEach(note);
    for (const c of r.checks) for (const p of [...c.survivors, ...c.zombies]) [p.pid, p.ppid, p.pgid, p.sid].forEach(note);
  }
  // Longest first, so a pid never rewrites part of a longer one.
  for (const pid of [...pids].sort((a, b) => String(b).length - String(a).length)) {
    out = out.replace(new RegExp(`\\b${pid}\\b`, "g"), `<pid${pids.indexOf(pid) + 1}>`);
  }
  return out
    .replace(/\b\d+\.\d MB\b/g, "<n> MB")
    .replace(/\b\d+\.\d s\b/g, "<n> s")
    .replace(/time="[\d.]+"/g, 'time="<t>"')
    .replace(/"(durationMs|uptimeMs|starttime|rssBytes)": \d+(\.\d+)?/g, '"$1": <n>')
    .replace(/reapcheck-<run(\d)>-\w{6}/g, "reapcheck-<run$1>-<tmp>");
}
