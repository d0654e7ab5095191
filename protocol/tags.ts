// The environment tags of the protocol. Environment variables survive setsid and double forks,
// so a tag finds a descendant that left its process group.

/** Set by the harness on the engine; the engine passes it on to everything it starts. */
export const RUN_TAG = "REAPCHECK_RUN";
/** Set by the engine on everything it spawns for a job. */
export const JOB_TAG = "REAPCHECK_JOB";
