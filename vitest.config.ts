import { defineConfig } from "vitest/config";

// Tests spawn real engines and adapter chains; on 2 cores two files at a time is the most that
// stays fast without starving the processes under test.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/leak-check.ts"],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    pool: "forks",
  },
});
