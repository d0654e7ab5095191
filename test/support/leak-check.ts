// Global setup and teardown: our own test runs must leave nothing behind. Every process the
// suite starts inherits REAPCHECK_SUITE=<id>; whatever still carries it and a reapcheck tag when
// the suite ends fails the run, after it is killed. Other suites' processes are not touched.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { isZombie, listPids, readEnviron, readStat } from "../../os/proc-stat.js";

const SUITE_TAG = "REAPCHECK_SUITE";

function leftovers(suite: string): { pid: number; args: string }[] {
  return listPids().flatMap((pid) => {
    const stat = readStat(pid);
    const environ = (readEnviron(pid) ?? "").split("\0");
    const ours = environ.includes(`${SUITE_TAG}=${suite}`) && environ.some((e) => /^REAPCHECK_(RUN|JOB)=/.test(e));
    if (pid === process.pid || stat === null || isZombie(stat) || !ours) return [];
    const cmdline = (() => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "latin1").replaceAll("\0", " ");
      } catch {
        return stat.comm;
      }
    })();
    return [{ pid, args: cmdline }];
  });
}

export function setup(): () => void {
  const suite = randomBytes(4).toString("hex");
  // Set before the workers fork, so they and everything they start inherit it.
  process.env[SUITE_TAG] = suite;
  return () => {
    const left = leftovers(suite);
    if (left.length === 0) return;
    for (const p of left) {
      try {
        process.kill(p.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    throw new Error(`the tests left ${left.length} tagged process(es):\n${left.map((p) => `  ${p.pid} ${p.args}`).join("\n")}`);
  };
}
