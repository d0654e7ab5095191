// A run's own cgroups, where this process may make them: membership no child can leave on its own
// (setsid, a double fork and a cleared environment all stay inside), cgroup.kill as the reaper of
// last resort, the memory the kernel charges the run, and a memory limit whose OOM killer hits
// only the run. Made under this process's own cgroups, so every limit above still holds.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const ROOT = "/sys/fs/cgroup";

export type Containment =
  | {
      kind: "cgroup";
      /** The run's cgroup v2 folder: membership, cgroup.kill, cgroup.events. */
      unified: string;
      /** The run's cgroup v1 memory folder (usage, limit, OOM events), where that hierarchy exists. */
      memory: string | null;
    }
  | { kind: "tags-only"; reason: string };

/**
 * A run's cgroup name. A test suite's runs carry its REAPCHECK_SUITE id too, so the suite can tell
 * its own leftovers from another suite's on the same host.
 */
function nameOf(run: string): string {
  const suite = process.env.REAPCHECK_SUITE;
  return suite === undefined ? `reapcheck-${run}` : `reapcheck-${suite}-${run}`;
}

/**
 * The run whose cgroup (v2) a process is in, from /proc/<pid>/cgroup; null when it is in none of
 * ours. Membership is read from the kernel: a process cannot leave by itself.
 */
export function runOfProcess(pid: number): string | null {
  let line: string | undefined;
  try {
    line = readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n").find((l) => l.startsWith("0::"));
  } catch {
    return null;
  }
  const name = line?.split("/").pop() ?? "";
  const prefix = nameOf("");
  return name.startsWith(prefix) && name.length > prefix.length ? name.slice(prefix.length) : null;
}

/** This process's own path in a hierarchy, from /proc/self/cgroup ("0::/x" for v2, "4:memory:/x"). */
function ownPath(controller: "unified" | "memory"): string | null {
  for (const line of readFileSync("/proc/self/cgroup", "utf8").split("\n")) {
    const [, controllers, path] = line.split(":");
    if (path === undefined) continue;
    if (controller === "unified" && line.startsWith("0::")) return path;
    if (controller === "memory" && controllers!.split(",").includes("memory")) return path;
  }
  return null;
}

/** The cgroup v2 mount: a pure v2 host mounts it at the root, a hybrid one under unified/. */
function unifiedRoot(): string | null {
  if (existsSync(join(ROOT, "cgroup.controllers"))) return ROOT;
  if (existsSync(join(ROOT, "unified", "cgroup.controllers"))) return join(ROOT, "unified");
  return null;
}

/**
 * Makes the run's cgroups, or says why it cannot: not Linux, no cgroup v2 with cgroup.kill, or
 * not writable (not root, a locked container). Never throws for that: tags remain.
 */
export function containRun(run: string, options: { memoryLimitBytes?: number } = {}): Containment {
  const v2 = unifiedRoot();
  const own = ownPath("unified");
  if (v2 === null || own === null) return { kind: "tags-only", reason: "no cgroup v2 hierarchy here" };
  const unified = join(v2, own, nameOf(run));
  try {
    mkdirSync(unified);
  } catch (error) {
    return { kind: "tags-only", reason: `cgroups are not writable here (${(error as NodeJS.ErrnoException).code ?? String(error)})` };
  }
  if (!existsSync(join(unified, "cgroup.kill"))) {
    rmdirSync(unified);
    return { kind: "tags-only", reason: "the kernel's cgroup v2 has no cgroup.kill (Linux 5.14 or later)" };
  }
  let memory: string | null = null;
  const memoryOwn = ownPath("memory");
  if (memoryOwn !== null && existsSync(join(ROOT, "memory"))) {
    try {
      memory = join(ROOT, "memory", memoryOwn, nameOf(run));
      mkdirSync(memory);
    } catch {
      memory = null;
    }
  }
  if (options.memoryLimitBytes !== undefined) {
    if (memory !== null) writeFileSync(join(memory, "memory.limit_in_bytes"), String(options.memoryLimitBytes));
    else if (existsSync(join(unified, "memory.max"))) writeFileSync(join(unified, "memory.max"), String(options.memoryLimitBytes));
    else {
      removeRunCgroups({ kind: "cgroup", unified, memory });
      return { kind: "tags-only", reason: "no memory controller to set a limit with" };
    }
  }
  return { kind: "cgroup", unified, memory };
}

/**
 * The shell words that put the process they start into the run's cgroups before it execs
 * `argv`: everything it ever forks is born inside.
 */
export function enterThenExec(containment: Containment, argv: readonly string[]): string[] {
  if (containment.kind === "tags-only") return [...argv];
  const files = [join(containment.unified, "cgroup.procs"), ...(containment.memory === null ? [] : [join(containment.memory, "cgroup.procs")])];
  const enter = files.map((f) => `echo $$ > '${f.replaceAll("'", "'\\''")}'`).join(" && ");
  return ["/bin/sh", "-c", `${enter} && exec "$@"`, "reapcheck-enter", ...argv];
}

/** Pids in the run's cgroup now (a process cannot leave it by itself). */
export function members(containment: Containment): number[] {
  if (containment.kind === "tags-only") return [];
  try {
    return readFileSync(join(containment.unified, "cgroup.procs"), "utf8").split("\n").filter((l) => l !== "").map(Number);
  } catch {
    return [];
  }
}

/** Whether a process (by pid) is in the run's cgroup: read from the process's own side. */
export function isMember(containment: Containment, pid: number): boolean {
  if (containment.kind === "tags-only") return false;
  try {
    const line = readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n").find((l) => l.startsWith("0::"));
    return line !== undefined && containment.unified.endsWith(line.slice(3));
  } catch {
    return false;
  }
}

/** The memory the kernel charges the run (page cache included), in bytes; null where unknown. */
export function memoryCharge(containment: Containment): number | null {
  if (containment.kind === "tags-only") return null;
  const file = containment.memory !== null ? join(containment.memory, "memory.usage_in_bytes") : join(containment.unified, "memory.current");
  try {
    return Number(readFileSync(file, "utf8").trim());
  } catch {
    return null;
  }
}

/** How many times the kernel's OOM killer has killed in the run's cgroup. */
export function oomKills(containment: Containment): number {
  if (containment.kind === "tags-only") return 0;
  const [file, key] = containment.memory !== null ? [join(containment.memory, "memory.oom_control"), "oom_kill"] : [join(containment.unified, "memory.events"), "oom_kill"];
  try {
    const line = readFileSync(file, "utf8").split("\n").find((l) => l.startsWith(`${key} `));
    return line === undefined ? 0 : Number(line.split(" ")[1]);
  } catch {
    return 0;
  }
}

/**
 * The process the OOM killer took in the run's cgroup, from the kernel's log (dmesg); null where
 * the log cannot be read (dmesg_restrict) or names no kill there.
 */
export function oomVictim(containment: Containment): { pid: number; comm: string; rssBytes: number } | null {
  if (containment.kind === "tags-only") return null;
  const name = containment.unified.split("/").pop()!;
  const log = spawnSync("dmesg", [], { encoding: "utf8", timeout: 2_000 });
  if (log.status !== 0) return null;
  const lines = log.stdout.split("\n");
  let kill = -1;
  lines.forEach((l, i) => {
    if (l.includes("oom-kill:") && l.includes(`/${name},`)) kill = i;
  });
  if (kill < 0) return null;
  const pid = Number(/,pid=(\d+)/.exec(lines[kill]!)?.[1]);
  const killed = lines.slice(kill).find((l) => l.includes(`Killed process ${pid} `));
  const match = killed === undefined ? null : /Killed process \d+ \(([^)]*)\).*anon-rss:(\d+)kB, file-rss:(\d+)kB/.exec(killed);
  return match === null ? null : { pid, comm: match[1]!, rssBytes: (Number(match[2]) + Number(match[3])) * 1024 };
}

/**
 * Kills every member at once (cgroup.kill) and waits until the cgroup is empty. True when it
 * emptied. Empty means "populated 0", not an empty member list: a killed process whose parent has
 * not reaped it yet (an orphan waits for init) is listed nowhere but still holds the cgroup.
 */
export async function killAll(containment: Containment, waitMs = 5_000): Promise<boolean> {
  if (containment.kind === "tags-only") return true;
  // A cgroup already removed (by the run's own close, racing a signal's shutdown) is empty.
  const empty = (): boolean => {
    try {
      return readFileSync(join(containment.unified, "cgroup.events"), "utf8").includes("populated 0");
    } catch {
      return true;
    }
  };
  if (empty()) return true;
  if (members(containment).length > 0) writeFileSync(join(containment.unified, "cgroup.kill"), "1");
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    if (empty()) return true;
    await sleep(20);
  }
  return false;
}

/** Removes the run's cgroups; each must be empty (kill first). */
export function removeRunCgroups(containment: Containment): void {
  if (containment.kind === "tags-only") return;
  for (const dir of [containment.unified, containment.memory]) {
    if (dir === null || !existsSync(dir)) continue;
    try {
      rmdirSync(dir);
    } catch {
      // still populated (a member in D state): it goes when the kernel lets it
    }
  }
}

/** The cgroups this process made for runs that are gone: a killed harness's, for its watchdog. */
export function runCgroupsOf(run: string): Containment {
  const v2 = unifiedRoot();
  const own = ownPath("unified");
  if (v2 === null || own === null) return { kind: "tags-only", reason: "no cgroup v2 hierarchy here" };
  const unified = join(v2, own, nameOf(run));
  const memoryOwn = ownPath("memory");
  const memory = memoryOwn === null ? null : join(ROOT, "memory", memoryOwn, nameOf(run));
  if (!existsSync(unified)) return { kind: "tags-only", reason: "the run has no cgroup" };
  return { kind: "cgroup", unified, memory: memory !== null && existsSync(memory) ? memory : null };
}

/** The run cgroups a test suite made that still exist, by its REAPCHECK_SUITE id: what its teardown checks is gone. */
export function suiteCgroups(suite: string): string[] {
  const v2 = unifiedRoot();
  const own = ownPath("unified");
  const memoryOwn = ownPath("memory");
  const parents = [v2 === null || own === null ? null : join(v2, own), memoryOwn === null ? null : join(ROOT, "memory", memoryOwn)];
  return parents.flatMap((parent) => {
    if (parent === null) return [];
    try {
      return readdirSync(parent).filter((d) => d.startsWith(`reapcheck-${suite}-`)).map((d) => join(parent, d));
    } catch {
      return [];
    }
  });
}

/** Whether runs here get cgroups of their own: null when they do, else why not. */
export function whyNoCgroups(): string | null {
  const probe = containRun(`probe-${process.pid}`);
  if (probe.kind === "tags-only") return probe.reason;
  removeRunCgroups(probe);
  return null;
}

/** The same, said in words for a report's one line about it. */
export function containmentLine(): string {
  const why = whyNoCgroups();
  return why === null
    ? "containment: each run in a cgroup of its own (cgroup.kill reaps what tags miss)"
    : `containment: tags and process groups only (${why})`;
}
