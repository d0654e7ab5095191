// Global teardown: our own test runs must leave nothing behind. Anything still carrying a
// reapcheck tag when the suite ends fails the run, after it is killed.
import { readFileSync, readdirSync } from "node:fs";

function tagged(): { pid: number; args: string }[] {
  const found: { pid: number; args: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, "latin1");
      const state = readFileSync(`/proc/${entry}/stat`, "latin1").split(") ")[1]?.[0];
      if (state !== "Z" && /(^|\0)REAPCHECK_(RUN|JOB)=/.test(environ)) {
        found.push({ pid: Number(entry), args: readFileSync(`/proc/${entry}/cmdline`, "latin1").replaceAll("\0", " ") });
      }
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

export function setup(): () => void {
  return () => {
    const left = tagged();
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
