// A user's test file with the leak guard. One test cleans up; the other passes its own
// assertions but leaks the worker on the error path, and the guard fails it, naming the worker.
import { afterEach, expect, it } from "vitest";
// A user writes: import { leakCheck } from "reapcheck/vitest";
import { leakCheck } from "../../api/vitest.js";
import { runJob } from "./worker-pool.js";

afterEach(leakCheck({ deadlineMs: 500 }));

it("a job that succeeds stops its worker", async () => {
  let pid = 0;
  await runJob("clean", async (worker) => {
    pid = worker.pid;
  });
  expect(pid).toBeGreaterThan(0);
});

it("a job that fails leaks its worker", async () => {
  await expect(
    runJob("leaky", async () => {
      throw new Error("the job failed");
    }),
  ).rejects.toThrow("the job failed");
});
