// The process-tagging scheme. Environment variables survive setsid and double forks, so a tag
// finds a descendant that left its process group, as a cgroup would.

/** Set by the harness on everything it starts: the engine and, through it, every adapter. */
export const RUN_TAG = "REAPCHECK_RUN";
/** Set by the engine on everything it spawns for a job. */
export const JOB_TAG = "REAPCHECK_JOB";

/**
 * Set by the engine on every adapter chain it spawns: `<state dir>/<chain>`. It lets the engine
 * sweep a chain's descendants that left the group, and a restarted engine find its orphans.
 */
export const ACP_TAG = "REAPCHECK_ACP";
