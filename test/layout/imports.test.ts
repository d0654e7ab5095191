// The folders' imports point one way: the harness reaches engines only through the protocol, and
// the shared lower layers (protocol, os, acp) import nothing above them.
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../harness/compiled-paths.js";

function sources(dir: string): string[] {
  return readdirSync(join(PACKAGE_ROOT, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [],
  );
}

/** Each relative import of a file, as the top-level folder it lands in. */
function importedFolders(file: string): { spec: string; folder: string }[] {
  const text = readFileSync(join(PACKAGE_ROOT, file), "utf8");
  return [...text.matchAll(/(?:from|import)\s*\(?\s*["'](\.[^"']+)["']/g)].map((m) => {
    const target = normalize(join(dirname(file), m[1]!));
    return { spec: m[1]!, folder: relative(".", target).split("/")[0]! };
  });
}

/** What each folder may import besides itself. */
const ALLOWED: Record<string, readonly string[]> = {
  protocol: [],
  os: [],
  acp: [],
  engine: ["protocol", "os", "acp"],
  harness: ["protocol", "os", "acp", "reports", "bench"],
  reports: ["protocol", "harness"],
  bench: ["protocol", "os", "acp", "harness", "reports"],
};

describe("layers", () => {
  for (const [folder, allowed] of Object.entries(ALLOWED)) {
    it(`${folder}/ imports only ${allowed.length === 0 ? "itself" : allowed.join(", ")}`, () => {
      const wrong = sources(folder).flatMap((file) =>
        importedFolders(file)
          .filter((i) => i.folder !== folder && !allowed.includes(i.folder))
          .map((i) => `${file} imports ${i.spec}`),
      );
      expect(wrong).toEqual([]);
    });
  }

  it("the harness reaches no engine but through the protocol: nothing in harness/ imports engine/", () => {
    const wrong = sources("harness").flatMap((file) => importedFolders(file).filter((i) => i.folder === "engine").map((i) => `${file} imports ${i.spec}`));
    expect(wrong).toEqual([]);
  });

  it("sees imports at all (a test of the test)", () => {
    expect(importedFolders("engine/engine.ts").map((i) => i.folder)).toContain("protocol");
  });
});
