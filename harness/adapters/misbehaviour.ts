// Escapees made from outside a chain, so every real adapter gets them: a shell in front of the
// adapter's own command starts a real child of one of the kinds CLIs' helpers are in the field
// (ESCAPES), each found by one thing only (its tags, its group, or the run's cgroup), then execs
// the command, so the chain keeps its shape and the escapee stays the chain root's child.
import type { AdapterLaunch } from "../../protocol/adapter-launch.js";
import type { Escape, RealPlan } from "./profile.js";

/** How long an escapee lives if nothing ends it: past any run, short of forever. */
const ESCAPEE_SECONDS = 600;

/** The command each kind of escapee runs, started in the background by the shell in front of the chain. */
const ESCAPES: Record<Escape, string> = {
  // A session and group of its own, tags kept: only its tags find it. (Not `setsid -f`: a child
  // of the shell is no group leader, so setsid needs no fork, and it stays the chain's child.)
  setsid: `setsid sleep ${ESCAPEE_SECONDS}`,
  // In the chain's group with no tags and SIGTERM ignored: only the group, and a SIGKILL, end it.
  untagged: `env -i PATH="$PATH" sh -c "trap '' TERM; exec sleep ${ESCAPEE_SECONDS}"`,
  // Its own session and PATH alone: no group and no tag finds it, only the run's cgroup.
  "env-cleared": `setsid env -i PATH="$PATH" sleep ${ESCAPEE_SECONDS}`,
  // Its own session and non-dumpable (prctl PR_SET_DUMPABLE 0), so to its own user its tags are
  // unreadable: only its ancestry finds it. Node cannot call prctl; python3 can.
  hidden: `python3 -S -c "import ctypes,os,time;os.setsid();ctypes.CDLL(None).prctl(4,0,0,0,0);time.sleep(${ESCAPEE_SECONDS})"`,
};

export function launchWith(launch: AdapterLaunch, plan: Pick<RealPlan, "escape">): AdapterLaunch {
  if (plan.escape === undefined) return launch;
  // Its stdio is not the chain's: the engine's pipes must close when the chain ends.
  const script = `${ESCAPES[plan.escape]} </dev/null >/dev/null 2>&1 &\nexec "$@"`;
  return { ...launch, command: "sh", args: ["-c", script, "reapcheck-launch", launch.command, ...launch.args] };
}
