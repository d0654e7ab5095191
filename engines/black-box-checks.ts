// The invariants a black box can show, from the process table alone: how the engine said the job
// ended, that nothing tagged with the job and nothing in its groups outlived it, that its adapter
// lived as long as the job did, and that a process of ours it did not start was left alone.
import { type Check, fail, pass } from "../result/check.js";
import { type ProcessInfo, describeProcesses, isAlive, isZombie } from "../result/process.js";
import type { Driven } from "./black-box.js";

/** A process group some job-tagged process was seen in, with its leader's starttime when the leader was seen. */
export interface SeenGroup {
  pgid: number;
  leaderStarttime: number | null;
}

export interface SurvivorView {
  run: string;
  /** The job's REAPCHECK_JOB value, and the short name checks are reported under. */
  job: string;
  shortJob: string;
  processes: readonly ProcessInfo[];
  groups: readonly SeenGroup[];
}

export function survivorChecks(view: SurvivorView): Check[] {
  const { run, job, shortJob, processes } = view;
  // A group is the job's while any member lives; only a group whose number now leads another
  // process (reused after it emptied) is someone else's.
  const reused = new Set(
    view.groups
      .filter((g) => g.leaderStarttime !== null && processes.some((p) => p.pid === g.pgid && isAlive(p) && p.starttime !== g.leaderStarttime))
      .map((g) => g.pgid),
  );
  const pgids = new Set(view.groups.map((g) => g.pgid).filter((g) => !reused.has(g)));
  // An untagged member (it cleared its environment) still counts; a process tagged for another
  // run, or for this run's decoy, does not.
  const inGroup = (p: ProcessInfo): boolean => pgids.has(p.pgid) && (p.run === null || (p.run === run && p.job !== `${run}.decoy`));
  const groupLive = processes.filter((p) => inGroup(p) && isAlive(p));
  const zombies = processes.filter((p) => inGroup(p) && isZombie(p));
  const zombieNote = zombies.length === 0 ? "" : `; ${zombies.length} zombie(s), dead but not yet reaped by their parent`;
  const tagged = processes.filter((p) => p.job === job && isAlive(p));
  return [
    groupLive.length === 0
      ? { ...pass("no-surviving-group", shortJob, `no live process in the ${pgids.size} group(s) the job's processes were seen in${zombieNote}`), zombies }
      : fail("no-surviving-group", shortJob, `live processes in the job's process groups${zombieNote}:\n${describeProcesses(groupLive)}`, groupLive, zombies),
    tagged.length === 0
      ? pass("no-tagged-survivor", shortJob, "no live process carries the job's tag")
      : fail("no-tagged-survivor", shortJob, `live processes tagged REAPCHECK_JOB=${job}:\n${describeProcesses(tagged)}`, tagged),
  ];
}

export function outcomeCheck(shortJob: string, driven: Driven): Check {
  return driven.outcome === driven.expected
    ? pass("outcome", shortJob, `the engine reported ${driven.outcome}`)
    : fail("outcome", shortJob, `expected ${driven.expected}, the engine reported ${driven.outcome}`);
}

/** Null when the premature-kill witness does not apply to the transition (reported as not observable). */
export function prematureCheck(shortJob: string, driven: Driven): Check | null {
  const witness = driven.premature;
  switch (witness.kind) {
    case "not-applicable":
      return null;
    case "checked":
      return witness.dead.length === 0
        ? pass("no-premature-kill", shortJob, `the adapter chain's root(s) were alive ${witness.at}`)
        : fail("no-premature-kill", shortJob, `adapter process(es) died before the job ended (seen ${witness.at}):\n${describeProcesses(witness.dead)}`, witness.dead);
  }
}

export function foreignKillCheck(decoy: { pid: number; mirrors: string }, alive: boolean): Check {
  return alive
    ? pass("no-foreign-kill", "*", `pid ${decoy.pid}, ours but not the engine's, with the adapter's command line, was left alone`)
    : fail("no-foreign-kill", "*", `pid ${decoy.pid} was killed: the engine did not start it, it only shared the adapter's command line (${decoy.mirrors.slice(0, 120)})`);
}
