// The invariants every ended job must satisfy, as pure checks over one
// observation: the engine's state, the process table and the leases the engine announced.
import type { EngineEvent, EngineSnapshot } from "../protocol/messages.js";
import type { Expectation } from "./scenario.js";
import type { PidFileRecord } from "../protocol/state-folder.js";
import { type ProcessInfo, describeProcesses, isAlive, isZombie } from "../result/process.js";
import { type Check, fail, pass } from "../result/check.js";

export interface Lease {
  jobId: string;
  pgid: number;
}

/** A process group the engine started for a job; `starttime` is its leader's, where known. */
export interface JobGroup {
  jobId: string;
  pgid: number;
  starttime: number | null;
}

export interface Observation {
  run: string;
  state: EngineSnapshot;
  processes: ProcessInfo[];
  leases: Lease[];
  /** Every group the engine announced (adapter chains and scripts): each member is the job's, tagged or not. */
  groups: JobGroup[];
  /** The engine's pid files, as read from its state folder. */
  pidFiles: (PidFileRecord & { file: string })[];
  /** Job ids whose workspace folder still exists. */
  workspaces: string[];
  /** The probe's starttime precision, for matching pid files to processes. */
  starttimeSlackTicks: number;
}

/** Groups held by a job that has not ended are not leaks: the job still owns them. */
function heldGroups(obs: Observation): Set<number> {
  const live = new Set(obs.state.jobs.filter((j) => j.state.kind !== "terminal").map((j) => j.id));
  return new Set(obs.state.pool.filter((e) => e.refs.some((r) => live.has(r))).map((e) => e.pgid));
}

/**
 * Every invariant but no-premature-kill (which is watched while jobs live) for one job. A job the
 * scenario names has its outcome checked too; a sub-job is held to the same release invariants.
 */
export function checkJob(jobId: string, expected: Expectation | null, obs: Observation): Check[] {
  const job = obs.state.jobs.find((j) => j.id === jobId);
  if (job === undefined || job.state.kind !== "terminal") {
    return [fail("outcome", jobId, `the job did not end (state: ${job?.state.kind ?? "unknown"})`)];
  }
  const checks: Check[] = [];
  const { status, outcome } = job.state;
  const seen = `${status} ${outcome.kind}`;
  const why = "error" in outcome ? ` (${outcome.step}: ${outcome.error.slice(0, 160)})` : "";
  if (expected === null) {
    checks.push(pass("outcome", jobId, `${seen}${why}, not named by the scenario`));
  } else {
    const want = `${expected.status} ${expected.reason}`;
    checks.push(seen === want ? pass("outcome", jobId, `${seen}${why}`) : fail("outcome", jobId, `expected ${want}, saw ${seen}: ${JSON.stringify(outcome)}`));
  }

  const wrongLedgers = obs.state.ledgers.filter((l) => l.releasedJobs.filter((j) => j === jobId).length !== 1);
  checks.push(
    wrongLedgers.length === 0
      ? pass("released", jobId, "every ledger holds the job once")
      : fail(
          "released",
          jobId,
          wrongLedgers
            .map((l) => `${l.manager}.releasedJobs = ${JSON.stringify(l.releasedJobs)} (expected "${jobId}" exactly once)`)
            .join("; "),
        ),
  );

  const leased = new Set(obs.leases.filter((l) => l.jobId === jobId).map((l) => l.pgid));
  const refs = obs.state.pool.filter((e) => e.refs.includes(jobId));
  const idle = obs.state.pool.filter((e) => e.refs.length === 0 && leased.has(e.pgid));
  checks.push(
    refs.length === 0 && idle.length === 0
      ? pass("refs-drained", jobId, "no pool entry counts the job")
      : fail(
          "refs-drained",
          jobId,
          [
            ...refs.map((e) => `adapter pid ${e.pid} still counts the job (refs ${JSON.stringify(e.refs)})`),
            ...idle.map((e) => `adapter pid ${e.pid} has no refs but is ${e.state}`),
          ].join("; "),
        ),
  );

  const held = heldGroups(obs);
  const ours = obs.processes.filter((p) => p.run === obs.run && !held.has(p.pgid));
  const announced = obs.groups.filter((g) => g.jobId === jobId);
  const groups = new Set([...leased, ...announced.map((g) => g.pgid), ...ours.filter((p) => p.job === jobId).map((p) => p.pgid)]);
  // A group stays the job's while any member lives, whatever their environment says; only a
  // group whose number now leads another process (reused after it emptied) is someone else's.
  const reused = new Set(
    announced.filter((g) => g.starttime !== null && obs.processes.some((p) => p.pid === g.pgid && isAlive(p) && p.starttime !== g.starttime)).map((g) => g.pgid),
  );
  const inGroup = (p: ProcessInfo): boolean => groups.has(p.pgid) && !held.has(p.pgid) && !reused.has(p.pgid) && (p.run === obs.run || p.run === null);
  const groupLive = obs.processes.filter((p) => inGroup(p) && isAlive(p));
  // A zombie's environment is gone, so no tag finds it: it is found by its group, and reported
  // as what it is, a process that is dead but not yet reaped by its parent.
  const zombies = obs.processes.filter((p) => isZombie(p) && inGroup(p));
  const zombieNote = zombies.length === 0 ? "" : `; ${zombies.length} zombie(s), dead but not yet reaped by their parent`;
  checks.push(
    groupLive.length === 0
      ? { ...pass("no-surviving-group", jobId, `no live process in ${groups.size} group(s)${zombieNote}`), zombies }
      : fail("no-surviving-group", jobId, `live processes in the job's process groups${zombieNote}:\n${describeProcesses(groupLive)}`, groupLive, zombies),
  );

  const tagged = ours.filter((p) => p.job === jobId);
  const taggedLive = tagged.filter(isAlive);
  checks.push(
    taggedLive.length === 0
      ? pass("no-tagged-survivor", jobId, "no live process carries the job's tag")
      : fail("no-tagged-survivor", jobId, `live processes tagged REAPCHECK_JOB=${jobId}:\n${describeProcesses(taggedLive)}`, taggedLive),
  );

  const alive = obs.processes.filter(isAlive);
  const isLive = (f: PidFileRecord): boolean =>
    alive.some((p) => p.pid === f.pid && Math.abs(p.starttime - f.starttime) <= obs.starttimeSlackTicks);
  const stale = obs.pidFiles.filter((f) => groups.has(f.pgid) && !held.has(f.pgid) && !isLive(f));
  checks.push(
    stale.length === 0
      ? pass("no-stale-pidfile", jobId, "no pid file outlives its process")
      : fail("no-stale-pidfile", jobId, `pid files of dead processes: ${stale.map((f) => `${f.file} (pid ${f.pid})`).join(", ")}`),
  );

  const running = job.runs.filter((r) => r.status === "running");
  checks.push(
    running.length === 0
      ? pass("no-running-step", jobId, "no step run is running")
      : fail("no-running-step", jobId, `step runs still running under a ${status} job: ${running.map((r) => r.id).join(", ")}`),
  );

  checks.push(
    obs.workspaces.includes(jobId)
      ? fail("workspace-removed", jobId, "the job's workspace folder still exists")
      : pass("workspace-removed", jobId, "the job's workspace folder is gone"),
  );
  return checks;
}

/**
 * No premature kill: while a job lives, every adapter group it leased still has a live member,
 * unless that adapter died on its own (a crash) or was discarded after a failed handshake.
 * Returns the violations, by job.
 */
export function prematureKills(obs: Observation, diedOnTheirOwn: ReadonlySet<number>): Map<string, string> {
  const live = obs.state.jobs.filter((j) => j.state.kind === "running" || j.state.kind === "paused");
  // Any live member keeps a group alive, tagged or not: a member whose environment could not be
  // read (mid-exec, say) is still a member.
  const alivePgids = new Set(obs.processes.filter(isAlive).map((p) => p.pgid));
  const found = new Map<string, string>();
  for (const job of live) {
    const dead = obs.leases
      .filter((l) => l.jobId === job.id && !diedOnTheirOwn.has(l.pgid) && !alivePgids.has(l.pgid))
      .map((l) => l.pgid);
    if (dead.length > 0) found.set(job.id, `adapter group(s) ${[...new Set(dead)].join(", ")} died while the job was ${job.state.kind}`);
  }
  return found;
}

/**
 * No premature kill, from the engine's ordered events: a chain the pool began to kill while a job
 * that held it had not ended. Returns the violations, by job.
 */
export function killsOfHeldChains(events: readonly EngineEvent[]): Map<string, string> {
  const ended = new Set<string>();
  const found = new Map<string, string>();
  for (const event of events) {
    if (event.event === "job.terminal") ended.add(event.jobId);
    if (event.event !== "adapter.killing") continue;
    for (const holder of event.holders) {
      if (!ended.has(holder) && !found.has(holder)) found.set(holder, `the pool killed adapter pid ${event.pid} while the job still held it`);
    }
  }
  return found;
}

/**
 * Every job invariant for each job given, with its expectation (null: not named by the scenario),
 * no-premature-kill from the violations the witnesses found. The gate and the explorer both ask here.
 */
export function checkJobs(expected: ReadonlyMap<string, Expectation | null>, obs: Observation, premature: ReadonlyMap<string, string>): Check[] {
  return [...expected].flatMap(([id, expectation]) => {
    const prematureKill = premature.get(id);
    return [
      ...checkJob(id, expectation, obs),
      prematureKill === undefined ? pass("no-premature-kill", id, "every adapter it leased lived as long as it did") : fail("no-premature-kill", id, prematureKill),
    ];
  });
}

/** No foreign kill: each process planted behind a recycled pid file must still be alive. */
export function foreignKills(decoys: readonly { pid: number; alive: boolean }[]): Check[] {
  return decoys.map((decoy) =>
    decoy.alive
      ? pass("no-foreign-kill", "*", `pid ${decoy.pid}, recycled in a pid file, was left alone`)
      : fail("no-foreign-kill", "*", `pid ${decoy.pid} was named by a pid file with another process's starttime, and was killed: it was not ours`),
  );
}
