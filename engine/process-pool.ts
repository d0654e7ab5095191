// The ACP process pool: adapter chains shared by jobs with equal agent configs, counted by job
// refs. A chain lives in its own process group, has a pid file, and dies when its last ref drains.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { AcpClient } from "../acp/acp-client.js";
import { isSameProcessAlive, liveDescendants, liveWithEnv, readStat } from "../os/proc-stat.js";
import { killGroup, killProcesses, ledBy } from "../os/process-group.js";
import { type AdapterProfiles, behaviourEnv, poolKey } from "../protocol/adapter-launch.js";
import type { AdapterEvent, PoolEntrySnapshot } from "../protocol/messages.js";
import type { AgentSpec } from "../protocol/model.js";
import { pidFileName, writePidFile } from "../protocol/state-folder.js";
import { JOB_TAG } from "../protocol/tags.js";
import type { FaultSet } from "./fault-set.js";
import type { ResourceManager } from "./resource-manager.js";
import { ACP_TAG } from "./tagging.js";

export interface PoolOptions {
  /** Names this engine's chains in their ACP_TAG; a restarted engine with the same owner finds them. */
  owner: string;
  pidDir: string;
  profiles: AdapterProfiles;
  faults: FaultSet;
  killGraceMs: number;
  handshakeTimeoutMs: number;
  onEvent: (event: AdapterEvent) => void;
}

type EntryState = PoolEntrySnapshot["state"];

interface Entry {
  key: string;
  /** This chain's ACP_TAG value. */
  tag: string;
  profile: string;
  child: ChildProcess;
  pid: number;
  starttime: number;
  refs: Set<string>;
  sessions: Map<string, string>;
  client: AcpClient;
  ready: Promise<void>;
  state: EntryState;
  pidFile: string;
  exited: Promise<void>;
  /** Its output ended before ours did: the adapter hung up, most likely on its way out. */
  hungUp: boolean;
  /** The reaping of its group once its root died on its own: a release waits for it too. */
  reaping: Promise<void> | null;
}

export class AdapterError extends Error {}

/** How long an adapter that hung up gets for its root's exit to be seen before the pool kills it. */
const HANGUP_WAIT_MS = 500;

export interface AgentLease {
  pid: number;
  prompt(text: string, signal: AbortSignal): Promise<string>;
}

export class AcpProcessPool implements ResourceManager {
  readonly name = "acp-pool";
  readonly releasedJobs: string[] = [];
  private readonly entries = new Set<Entry>();
  /** Chains whose root died on its own, out of the pool but not yet reaped: their jobs' releases wait for them. */
  private readonly dying = new Set<Entry>();
  private readonly releasedSet = new Set<string>();
  private spawned = 0;

  constructor(private readonly options: PoolOptions) {
    mkdirSync(options.pidDir, { recursive: true });
  }

  /** A job's lease on an adapter with this config: shared if one is running, spawned if not. */
  async acquire(jobId: string, spec: AgentSpec, cwd: string): Promise<AgentLease> {
    if (this.releasedSet.has(jobId)) throw new AdapterError(`job ${jobId} was already released`);
    const key = poolKey(spec);
    let entry = [...this.entries].find((e) => e.key === key && (e.state === "starting" || e.state === "ready"));
    const shared = entry !== undefined;
    if (entry === undefined) {
      entry = this.spawnEntry(jobId, key, spec);
    } else {
      entry.refs.add(jobId);
      this.writePidFile(entry);
    }
    this.options.onEvent({ event: "adapter.leased", jobId, pid: entry.pid, pgid: entry.pid, shared });
    const held = entry;
    let handshaken = false;
    try {
      await held.ready;
      handshaken = true;
      let sessionId = held.sessions.get(jobId);
      if (sessionId === undefined) {
        sessionId = await held.client.newSession(cwd, this.options.handshakeTimeoutMs);
        held.sessions.set(jobId, sessionId);
      }
      if (this.releasedSet.has(jobId)) throw new AdapterError(`job ${jobId} was released while its adapter started`);
      const session = sessionId;
      return {
        pid: held.pid,
        prompt: async (text, signal) => {
          const turn = await held.client.prompt(session, text, signal);
          if (turn.stopReason !== "end_turn") throw new AdapterError(`turn stopped: ${turn.stopReason}`);
          return turn.text;
        },
      };
    } catch (error) {
      // A chain that failed its handshake is of no use to anyone. One that only refused this
      // job's session/new may still serve the jobs sharing it: this job just lets go.
      const useless = !(error instanceof AdapterError) && (!handshaken || held.refs.size <= 1);
      if (useless) await this.discard(held, String(error));
      else await this.drop(held, jobId);
      throw error instanceof AdapterError ? error : new AdapterError(`adapter ${held.pid}: ${String(error)}`);
    }
  }

  async releaseForJob(jobId: string): Promise<void> {
    this.releasedJobs.push(jobId);
    this.releasedSet.add(jobId);
    const held = [...this.entries, ...this.dying].filter((e) => e.refs.has(jobId));
    await Promise.all(held.map((entry) => this.drop(entry, jobId)));
  }

  async releaseAll(): Promise<void> {
    await Promise.all([...this.entries, ...this.dying].map((entry) => this.kill(entry)));
  }

  snapshot(): PoolEntrySnapshot[] {
    return [...this.entries].map((e) => ({
      pid: e.pid,
      pgid: e.pid,
      starttime: e.starttime,
      profile: e.profile,
      refs: [...e.refs],
      state: e.state,
      pidFile: e.pidFile,
    }));
  }

  private async drop(entry: Entry, jobId: string): Promise<void> {
    entry.refs.delete(jobId);
    entry.sessions.delete(jobId);
    // A chain that died on its own is waited for by every job that held it, not only the last.
    if (entry.refs.size === 0 || this.options.faults.has("refcount-ignored") || entry.reaping !== null) {
      await this.kill(entry);
    } else {
      this.writePidFile(entry);
    }
  }

  /** A chain that failed its handshake or session/new is not reused by anyone. */
  private async discard(entry: Entry, reason: string): Promise<void> {
    this.options.onEvent({ event: "adapter.discarded", pid: entry.pid, reason });
    entry.refs.clear();
    await this.kill(entry);
  }

  /**
   * Registers the entry before anything is awaited, so a second job asking for the same config
   * while this one starts shares it instead of spawning a twin.
   */
  private spawnEntry(jobId: string, key: string, spec: AgentSpec): Entry {
    const launch = this.options.profiles[spec.profile];
    if (launch === undefined) throw new AdapterError(`no adapter profile "${spec.profile}"`);
    const tag = `${this.options.owner}/${++this.spawned}`;
    const child = spawn(launch.command, launch.args, {
      detached: true,
      stdio: ["pipe", "pipe", "inherit"],
      env: { ...process.env, ...launch.env, ...behaviourEnv(spec.behaviour), [JOB_TAG]: jobId, [ACP_TAG]: tag },
    });
    // A dead adapter surfaces as a closed connection; a write into its pipe must not crash us.
    child.stdin!.on("error", () => undefined);
    const spawned = new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", (error) => reject(new AdapterError(`cannot start adapter "${launch.command}": ${error.message}`)));
    });
    const client = new AcpClient(child.stdin!, child.stdout!);
    const pid = child.pid ?? 0;
    const entry: Entry = {
      key,
      tag,
      profile: spec.profile,
      child,
      pid,
      // Read now, not once "spawn" is emitted: the process exists (spawn returns after its exec),
      // and a release before that event must still know whose group it signals.
      starttime: pid === 0 ? 0 : (readStat(pid)?.starttime ?? 0),
      refs: new Set([jobId]),
      sessions: new Map(),
      client,
      ready: spawned.then(() => {
        this.writePidFile(entry);
        this.options.onEvent({ event: "adapter.spawned", jobId, pid, pgid: pid, starttime: entry.starttime, profile: spec.profile });
        return client.initialize(this.options.handshakeTimeoutMs);
      }),
      state: "starting",
      pidFile: join(this.options.pidDir, pidFileName(pid)),
      exited: new Promise((resolve) => child.once("exit", () => resolve())),
      hungUp: false,
      reaping: null,
    };
    child.stdout!.once("end", () => {
      entry.hungUp = true;
    });
    entry.ready.then(
      () => {
        if (entry.state === "starting") entry.state = "ready";
      },
      () => undefined,
    );
    child.once("exit", (code, signal) => void this.onExit(entry, code, signal));
    this.entries.add(entry);
    return entry;
  }

  /** The chain's root died without the pool asking: reap the rest of its group. */
  private async onExit(entry: Entry, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    const killedByPool = isEnding(entry);
    this.options.onEvent({ event: "adapter.exited", pid: entry.pid, code, signal, killedByPool });
    if (killedByPool) return;
    entry.state = "dead";
    entry.client.close();
    this.entries.delete(entry);
    this.dying.add(entry);
    entry.reaping = this.killGroupOf(entry).then(() => {
      if (!this.options.faults.has("pidfile-left-behind")) rmSync(entry.pidFile, { force: true });
    });
    try {
      await entry.reaping;
    } finally {
      this.dying.delete(entry);
    }
  }

  private async kill(entry: Entry): Promise<void> {
    if (isEnding(entry)) return entry.reaping ?? entry.exited;
    // A crashed adapter's pipe can close a moment before its root exits, and its job's release
    // follows the closed pipe at once: without a wait for that exit, a chain that died on its own
    // would be killed, and reported, as the pool's.
    if (entry.hungUp && entry.child.exitCode === null && entry.child.signalCode === null) {
      await waitAtMost(entry.exited, HANGUP_WAIT_MS);
      if (isEnding(entry)) return entry.reaping ?? entry.exited;
    }
    entry.state = "killing";
    this.options.onEvent({ event: "adapter.killing", pid: entry.pid, holders: [...entry.refs] });
    // The root may be dead before its exit event arrives: ask /proc, where a zombie counts as dead.
    const diedAlone = !isSameProcessAlive(entry.pid, entry.starttime);
    if (entry.pid === 0) {
      // It never started: nothing to signal, and no exit will come.
      this.entries.delete(entry);
      entry.state = "dead";
      return;
    }
    // A root that outlived the kill never exits; waiting for it would hang the release. Its pid
    // file stays: it is what lets a restarted engine find the survivor.
    const gone = await this.killGroupOf(entry);
    if (gone) await entry.exited;
    entry.state = "dead";
    entry.client.close();
    this.entries.delete(entry);
    if (gone && !(diedAlone && this.options.faults.has("pidfile-left-behind"))) rmSync(entry.pidFile, { force: true });
  }

  /**
   * Kills the chain's group, then whatever left the group: its descendants outside the group, read
   * by parent links before the kill (an environment may be unreadable: a non-dumpable child of an
   * ordinary user), and whatever carries its tag (a double fork's orphan). True when the root is
   * gone; survivors are reported, not hidden.
   */
  private async killGroupOf(entry: Entry): Promise<boolean> {
    const sweep = !this.options.faults.has("kill-ignores-escapes");
    const departed = sweep ? liveDescendants(entry.pid).filter((p) => p.pgid !== entry.pid) : [];
    const result = await killGroup(entry.pid, {
      graceMs: this.options.killGraceMs,
      escalate: !this.options.faults.has("no-sigkill-escalation"),
      leaderOnly: this.options.faults.has("kill-pid-not-group"),
      owns: ledBy(entry.pid, entry.starttime),
    });
    const survivors = result.kind === "survived" ? result.pids : [];
    if (sweep) {
      const tagged = liveWithEnv(ACP_TAG, (v) => v === entry.tag, entry.starttime).filter((p) => p.pgid !== entry.pid);
      const escaped = [...departed, ...tagged.filter((t) => !departed.some((d) => d.pid === t.pid && d.starttime === t.starttime))];
      survivors.push(...(await killProcesses(escaped)));
    }
    if (survivors.length > 0) this.options.onEvent({ event: "adapter.kill_failed", pid: entry.pid, survivors });
    return !survivors.includes(entry.pid);
  }

  /** Kept current as refs change; there is none to write before the process has started. */
  private writePidFile(entry: Entry): void {
    if (entry.starttime === 0) return;
    writePidFile(this.options.pidDir, { pid: entry.pid, pgid: entry.pid, starttime: entry.starttime, agent: entry.profile, jobs: [...entry.refs] });
  }
}

/** Whether someone, the pool or the chain's own exit, has begun to end it. */
function isEnding(entry: Entry): boolean {
  return entry.state === "killing" || entry.state === "dead";
}

/** Resolves when the promise settles or the time is up, whichever comes first, leaving no timer behind. */
async function waitAtMost(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
