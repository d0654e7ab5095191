// Golden files: compare a writer's output with the stored file; UPDATE_GOLDEN=1 rewrites them.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { expect } from "vitest";

export function expectGolden(name: string, actual: string): void {
  const file = new URL(`./golden/${name}`, import.meta.url);
  if (process.env.UPDATE_GOLDEN === "1" || !existsSync(file)) writeFileSync(file, actual);
  expect(actual).toBe(readFileSync(file, "utf8"));
}
