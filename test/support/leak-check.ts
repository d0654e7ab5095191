// Global setup: our own test runs must leave no process carrying a reapcheck run or job tag, and
// no cgroup of theirs under the cgroup roots.
import { rmdirSync } from "node:fs";
import { globalLeakCheck } from "../../api/vitest.js";
import { suiteCgroups } from "../../os/cgroup.js";

const processes = globalLeakCheck({ requireTag: ["REAPCHECK_RUN", "REAPCHECK_JOB"] });

export function setup(): () => void {
  const teardown = processes();
  const suite = process.env.REAPCHECK_SUITE!;
  return () => {
    teardown();
    const left = suiteCgroups(suite);
    for (const dir of left) {
      try {
        rmdirSync(dir);
      } catch {
        // still populated; the assertion below names it
      }
    }
    if (left.length === 0) return;
    process.exitCode = 1;
    throw new Error(`the tests left ${left.length} cgroup(s):\n${left.map((d) => `  ${d}`).join("\n")}`);
  };
}
