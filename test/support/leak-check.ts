// Global setup and teardown: our own test runs must leave nothing behind. Every process the
// suite starts inherits REAPCHECK_SUITE=<id>; whatever still carries it and a reapcheck tag when
// the suite ends fails the run, after it is killed. Other suites' processes are not touched.
import { randomBytes } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";

const SUITE_TAG = "REAPCHECK_SUITE";

function leftovers(suite: string): { pid: number; args: string }[] {
  const found: { pid: number; args: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, "latin1").split("\0");
      const state = readFileSync(`/proc/${entry}/stat`, "latin1").split(") ")[1]?.[0];
      const ours = environ.includes(`${SUITE_TAG}=${suite}`) && environ.some((e) => /^REAPCHECK_(RUN|JOB)=/.test(e));
      if (state !== "Z" && ours) {
        found.push({ pid: Number(entry), args: readFileSync(`/proc/${entry}/cmdline`, "latin1").replaceAll("\0", " ") });
      }
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
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
