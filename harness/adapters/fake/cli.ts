// Stands for the agent CLI the adapter drives, when it has an escape to make or perl is not on
// PATH (otherwise the agent runs the same CLI in perl): it holds memory and waits. With an escape
// knob it also starts a helper that leaves the process group, as tools that daemonise do.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { holdBallast, readKnobs, stayAlive } from "./knobs.js";
import { type Launch, argv0Of, perlWaiter } from "./perl-waiter.js";

const knobs = readKnobs(process.env);
holdBallast(knobs.ballastMb);
stayAlive(knobs);

/** node's escapee, where perl is not on PATH. */
const escapee = fileURLToPath(new URL("./escapee.js", import.meta.url));

function escape(): Promise<unknown> {
  switch (knobs.escape) {
    case "none":
      return Promise.resolve();
    case "setsid": {
      // detached: the child calls setsid(), so it is in a new session and group of its own.
      const waiter: Launch = perlWaiter(knobs, "fake-escapee") ?? { command: process.execPath, args: [escapee] };
      const child = spawn(waiter.command, waiter.args, { detached: true, stdio: "ignore", ...argv0Of(waiter) });
      child.unref();
      return new Promise((resolve) => child.once("spawn", resolve));
    }
    case "untagged": {
      // Stays in the chain's group, with no REAPCHECK_* variable and SIGTERM ignored (an ignored
      // disposition survives exec): no tag finds it, and only a SIGKILL to the group ends it.
      const child = spawn("env", ["-i", `PATH=${process.env.PATH ?? "/usr/bin:/bin"}`, "sh", "-c", "trap '' TERM; exec sleep 300"], { stdio: "ignore" });
      child.unref();
      return new Promise((resolve) => child.once("spawn", resolve));
    }
    case "hidden":
      return hide();
    case "env-cleared": {
      // Its own session and an environment of PATH alone: no group and no tag finds it, only the
      // cgroup it was born in.
      const child = spawn("sleep", ["300"], { detached: true, stdio: "ignore", env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } });
      child.unref();
      return new Promise((resolve) => child.once("spawn", resolve));
    }
    case "double-fork": {
      // An intermediate starts the escapee in its own session and exits at once: the escapee is
      // reparented away from the chain as well as out of its group.
      const script = `require("child_process").spawn(process.execPath, [${JSON.stringify(escapee)}], { detached: true, stdio: "ignore" }).unref()`;
      const waiter: Launch = perlWaiter(knobs, "fake-escapee", true) ?? { command: process.execPath, args: ["-e", script] };
      const child = spawn(waiter.command, waiter.args, { stdio: "ignore", ...argv0Of(waiter) });
      return new Promise((resolve, reject) =>
        child.once("exit", (code, signal) => (code === 0 ? resolve(undefined) : reject(new Error(`the intermediate exited (${signal ?? code})`)))),
      );
    }
  }
}

/**
 * A child that leaves the group and makes itself non-dumpable (PR_SET_DUMPABLE is 4): its
 * /proc/<pid>/environ is then root's, so to its own user its tags are unreadable. Node cannot
 * call prctl; python3 can. It says "hidden" once both are done, so the chain is ready only when
 * the child is hidden, and exits (failing the chain) if prctl fails. Kept short: a report shows
 * its command line whole. -S: it needs the standard library alone, and a host's site-packages can
 * cost more than the rest of Python's start.
 */
const HIDE = String.raw`import ctypes,os,sys,time;os.setsid();ctypes.CDLL(None).prctl(4,0,0,0,0)==0 or sys.exit('prctl failed');os.write(1,b'hidden\n');time.sleep(300)`;

function hide(): Promise<void> {
  // Its stderr is not the chain's: no pipe the chain's reader waits on stays open in it.
  const child = spawn("python3", ["-S", "-c", HIDE], { stdio: ["ignore", "pipe", "ignore"] });
  child.unref();
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) => reject(new Error(`python3 exited (${signal ?? code}) before it could setsid and prctl(PR_SET_DUMPABLE, 0)`)));
    child.stdout.once("data", () => {
      // It writes nothing more; closing our end leaves it no pipe of ours.
      child.removeAllListeners("exit");
      child.stdout.destroy();
      resolve();
    });
  });
}

// The adapter starts a session only once its CLI is up, as real adapters do: the chain's shape
// is complete before the first turn. A knob that cannot take effect fails the chain, loudly.
escape().then(
  () => process.stdout.write("ready\n"),
  (error: unknown) => {
    process.stderr.write(`fake cli: escape ${knobs.escape} failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
