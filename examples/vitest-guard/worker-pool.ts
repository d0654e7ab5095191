// A user's engine code, in miniature: each job runs in a worker child process that must be
// stopped when the job ends. runJob has the classic bug: it stops the worker only on success.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";

export interface Worker {
  pid: number;
  stop(): Promise<void>;
}

/** Starts the worker for a job: a node process that idles until it is told to stop. */
export function startWorker(job: string): Worker {
  const child: ChildProcess = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)", `worker-pool-job=${job}`], { stdio: "ignore" });
  if (child.pid === undefined) throw new Error(`worker for ${job} did not start`);
  const exited = once(child, "exit");
  return {
    pid: child.pid,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Runs a job in its own worker. Bug: when `work` throws, the worker is never stopped. */
export async function runJob(job: string, work: (worker: Worker) => Promise<void>): Promise<void> {
  const worker = startWorker(job);
  await work(worker); // the fix: try { await work(worker) } finally { await worker.stop() }
  await worker.stop();
}
