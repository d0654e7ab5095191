// Process tables for a person: who, whose child, which group, how big, how old, what command.
import type { ProcessInfo } from "../result/process.js";

/** /proc reports starttime in clock ticks at USER_HZ, which Linux fixes at 100 for user space. */
const USER_HZ = 100;

export const megabytes = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;

/** Seconds the process had been alive when the host's uptime was `uptimeMs`. */
export function ageSeconds(p: ProcessInfo, uptimeMs: number): number {
  return Math.max(0, uptimeMs / 1000 - p.starttime / USER_HZ);
}

export interface ProcessGroup {
  pgid: number;
  members: ProcessInfo[];
  rssBytes: number;
}

export function groupsOf(processes: readonly ProcessInfo[]): ProcessGroup[] {
  const groups = new Map<number, ProcessInfo[]>();
  for (const p of processes) groups.set(p.pgid, [...(groups.get(p.pgid) ?? []), p]);
  return [...groups].map(([pgid, members]) => ({ pgid, members, rssBytes: members.reduce((sum, p) => sum + p.rssBytes, 0) }));
}

/** Inside a Markdown table cell: no pipe may end the cell early, no backtick the code span. */
const cell = (text: string): string => text.replaceAll("|", "\\|").replaceAll("`", "'");

/** A Markdown table; the age column appears only when the time of the scan is known. */
export function processTableMarkdown(processes: readonly ProcessInfo[], uptimeMs: number | null): string {
  const age = uptimeMs !== null;
  const head = ["pid", "ppid", "pgid", "state", "RSS", ...(age ? ["age"] : []), "job tag", "command"];
  const rows = processes.map((p) => [
    String(p.pid),
    String(p.ppid),
    String(p.pgid),
    p.state === "Z" || p.state === "X" ? `${p.state} (zombie)` : p.state,
    megabytes(p.rssBytes),
    ...(age ? [`${ageSeconds(p, uptimeMs).toFixed(1)} s`] : []),
    p.job === null ? "—" : `\`${cell(p.job)}\``,
    `\`${cell(p.args.slice(0, 160))}\``,
  ]);
  return [head, head.map(() => "---"), ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

/** One line per group and its table: the shape of "the leaked groups with RSS". */
export function groupsMarkdown(processes: readonly ProcessInfo[], uptimeMs: number | null): string {
  return groupsOf(processes)
    .map((g) => `**pgid ${g.pgid}**: ${g.members.length} process(es), ${megabytes(g.rssBytes)} RSS\n\n${processTableMarkdown(g.members, uptimeMs)}`)
    .join("\n\n");
}
