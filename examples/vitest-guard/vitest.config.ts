// Runs only the example, on its own: test/api/vitest-guard.test.ts starts it and expects the
// leaking test to fail. The root config includes test/** only, so `npm test` never runs it directly.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: fileURLToPath(new URL(".", import.meta.url)),
    include: ["worker-pool.test.ts"],
    pool: "forks",
  },
});
