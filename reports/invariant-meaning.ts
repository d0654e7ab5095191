// What each invariant promises, in the words of the README's table: the "expected" half of a
// failure. A Record over the union, so a new invariant cannot ship without its sentence.
import type { InvariantName } from "../result/check.js";

export const INVARIANT_MEANING: Readonly<Record<InvariantName, string>> = {
  outcome: "the job ended the way the scenario expects",
  released: "every resource manager's `releasedJobs` ledger holds the job exactly once",
  "refs-drained": "no adapter pool entry still counts the job; no entry without refs is alive",
  "no-surviving-group": "no live process in any process group spawned for the job",
  "no-tagged-survivor": "no live process whose environment carries `REAPCHECK_JOB=<job>`",
  "no-stale-pidfile": "no pid file of the job's adapters outlives its process",
  "no-running-step": "no step run is still `running` under the ended job",
  "workspace-removed": "the job's workspace folder is gone",
  "no-premature-kill": "while the job lived, every adapter it leased stayed alive",
  "no-foreign-kill": "no process that was not ours (a recycled pid) was signalled",
};

/** Not an invariant of one job but of the whole run: nothing tagged outlives the engine. */
export const LEFT_BEHIND = "left-behind";
export const LEFT_BEHIND_MEANING = "nothing carrying the run's tag is alive once the engine has shut down";
