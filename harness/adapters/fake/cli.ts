// Stands for the agent CLI the adapter drives: it holds memory and waits. With an escape knob it
// also starts a helper that leaves the process group, as tools that daemonise do.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { holdBallast, readKnobs, stayAlive } from "./knobs.js";

const knobs = readKnobs(process.env);
holdBallast(knobs.ballastMb);
stayAlive(knobs);

const escapee = fileURLToPath(new URL("./escapee.js", import.meta.url));

function escape(): Promise<unknown> {
  switch (knobs.escape) {
    case "none":
      return Promise.resolve();
    case "setsid": {
      // detached: the child calls setsid(), so it is in a new session and group of its own.
      const child = spawn(process.execPath, [escapee], { detached: true, stdio: "ignore" });
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
    case "double-fork": {
      // An intermediate starts the escapee in its own session and exits at once: the escapee is
      // reparented away from the chain as well as out of its group.
      const script = `require("child_process").spawn(process.execPath, [${JSON.stringify(escapee)}], { detached: true, stdio: "ignore" }).unref()`;
      const child = spawn(process.execPath, ["-e", script], { stdio: "ignore" });
      return new Promise((resolve) => child.once("exit", resolve));
    }
  }
}

// The adapter starts a session only once its CLI is up, as real adapters do: the chain's shape
// is complete before the first turn.
void escape().then(() => process.stdout.write("ready\n"));
