// The soak for a person: one progress line per update, and the summary at the end.
import { formatGiB, formatMiB } from "./byte-size.js";
import type { SoakProgress } from "./runner.js";
import type { SoakResult } from "./result.js";

export function progressLine(p: SoakProgress): string {
  const s = p.latest;
  const slope = p.slopeMibPerJob === null ? "–" : `${p.slopeMibPerJob.toFixed(1)} MiB/job`;
  return (
    `soak ${String(s.jobsDone).padStart(String(p.jobs).length)}/${p.jobs} jobs · ${s.liveGroups} live groups · ` +
    `tagged ${formatMiB(s.taggedRssBytes)} · engine ${formatMiB(s.engineRssBytes)} · ${slope} · MemAvailable ${formatGiB(s.memAvailableBytes)}`
  );
}

export function summaryText(r: SoakResult): string {
  const lines = [
    `soak ${r.transition} · adapter ${r.adapter} · ${r.faults.length === 0 ? "no fault" : `fault ${r.faults.join(", ")}`} · ` +
      `${r.jobsDone}/${r.jobs} jobs · concurrency ${r.concurrency} · ${(r.durationMs / 1000).toFixed(1)} s`,
  ];
  // Nothing ran: the reason is the whole story.
  if (r.verdict === "refused") return `REFUSED: ${r.reasons.join("; ")}`;
  if (r.fit !== null) {
    lines.push(
      `  slope        ${r.fit.slope.toFixed(1)} MiB/job (intercept ${r.fit.intercept.toFixed(0)} MiB, r² ${r.fit.r2.toFixed(3)}, ${r.fit.n} samples)`,
    );
  }
  if (r.chainRss !== null) {
    const c = r.chainRss;
    const ratio = r.fit === null ? "" : ` · slope/chain ${(r.fit.slope / (c.medianBytes / 2 ** 20)).toFixed(2)}`;
    lines.push(`  one chain    ${formatMiB(c.medianBytes)} median of ${c.chains} (${formatMiB(c.minBytes)}–${formatMiB(c.maxBytes)})${ratio}`);
  }
  if (r.engineFit !== null) lines.push(`  engine       ${r.engineFit.slope.toFixed(2)} MiB/job`);
  const c = r.hostCost;
  const per = (v: number | null): string => (v === null ? "–" : `${v.toFixed(1)}`);
  lines.push(`  per job      RSS ${per(c.rss)} · PSS ${per(c.pss)} · cgroup charge ${per(c.cgroup)} · MemAvailable drop ${per(c.memAvailable)} MiB (containment: ${r.containment})`);
  if (c.perJobMib !== null && c.perJobMib >= 1) {
    const host = r.hostMemoryBytes === null ? "the host (to the memory floor)" : `the ${formatGiB(r.hostMemoryBytes)} host`;
    lines.push(`  host cost    ${c.perJobMib.toFixed(1)} MiB per job (${c.cgroup !== null ? "cgroup charge" : "PSS"}): ${c.jobsUntilStarved ?? "?"} more jobs until ${host} runs out`);
  }
  lines.push(`  live groups  ${r.liveGroupsAtEnd} at the end; ${r.reapedAtEnd} process(es) reaped after shutdown`);
  lines.push(`${r.verdict.toUpperCase()}: ${r.reasons.join("; ")}`);
  return lines.join("\n");
}
