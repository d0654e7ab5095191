import { defineConfig } from "vitest/config";
import { CA_BUNDLE_ENV } from "./harness/ca-bundle-env.js";

// Node parses NODE_EXTRA_CA_CERTS's bundle at the start of every node process, and this suite
// starts hundreds (workers, engines, chains, CLIs) that open no TLS connection: its real lanes
// talk to loopback model stubs. Removed here, before the workers fork; the test of how reapcheck
// passes it on sets it itself.
delete process.env[CA_BUNDLE_ENV];

// Tests spawn real engines and adapter chains. Files wait on kill grace periods, timeouts and
// real CLIs' start-up as much as they compute: on 2 cores four files at a time fill those waits
// (two left the cores a quarter idle; three left the suite's second half 60-90% busy, and took
// 111-120 s where four take 104-109).
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/leak-check.ts"],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    maxWorkers: 4,
    pool: "forks",
    // A worker runs its files in one module graph instead of loading the harness, the SDK, zod
    // and yaml afresh for each: a fifth of the suite's CPU. Files must leave global state as they
    // found it (process.env, process.exitCode): those that change it restore it.
    isolate: false,
  },
});
