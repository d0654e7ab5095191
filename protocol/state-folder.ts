// The two places of an engine's state folder the harness reads: one pid file per live adapter
// chain, and one workspace folder per job. The one definition of the pid-file record.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const PID_DIR = "pids";
export const WORKSPACE_DIR = "workspaces";

export interface PidFileRecord {
  pid: number;
  pgid: number;
  /** Field 22 of /proc/<pid>/stat: with the pid, the process's identity. */
  starttime: number;
  agent: string;
  jobs: string[];
}

export const pidDirOf = (stateDir: string): string => join(stateDir, PID_DIR);
export const workspaceDirOf = (stateDir: string): string => join(stateDir, WORKSPACE_DIR);

export function pidFileName(pid: number): string {
  return `acp-${pid}.json`;
}

export function writePidFile(pidDir: string, record: PidFileRecord): string {
  mkdirSync(pidDir, { recursive: true });
  const file = join(pidDir, pidFileName(record.pid));
  writeFileSync(file, JSON.stringify(record));
  return file;
}

/** A record, or null for a file that is not one (half written, or not ours to read). */
export function parsePidFile(text: string): PidFileRecord | null {
  try {
    const r = JSON.parse(text) as Partial<PidFileRecord>;
    if (!Number.isInteger(r.pid) || !Number.isInteger(r.pgid) || !Number.isInteger(r.starttime)) return null;
    return { pid: r.pid!, pgid: r.pgid!, starttime: r.starttime!, agent: String(r.agent ?? ""), jobs: Array.isArray(r.jobs) ? r.jobs.map(String) : [] };
  } catch {
    return null;
  }
}

/** Every readable record of a pid folder, with its file name; none where there is no folder. */
export function readPidFiles(pidDir: string): (PidFileRecord & { file: string })[] {
  let names: string[];
  try {
    names = readdirSync(pidDir).filter((f) => f.endsWith(".json"));
  } catch {
    return [];
  }
  return names.flatMap((file) => {
    let text: string;
    try {
      text = readFileSync(join(pidDir, file), "utf8");
    } catch {
      // removed between the listing and the read
      return [];
    }
    const record = parsePidFile(text);
    return record === null ? [] : [{ ...record, file }];
  });
}
