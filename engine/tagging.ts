// The reference engine's own chain tag, beside the protocol's run and job tags.

/**
 * Set by the engine on every adapter chain it spawns: `<state dir>/<chain>`. It lets the engine
 * sweep a chain's descendants that left the group, and a restarted engine find its orphans.
 */
export const ACP_TAG = "REAPCHECK_ACP";
