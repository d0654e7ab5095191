// The folders' imports point one way, top to bottom: cli (and the public api) → harness, soak,
// explore → reports → result → protocol ← engine; os and acp are the floor. The harness reaches
// engines only through the protocol, and no file is part of an import circle.
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../harness/compiled-paths.js";

function sources(dir: string): string[] {
  return readdirSync(join(PACKAGE_ROOT, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [],
  );
}

/** Each relative import of a file, as the file it names (without extension). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(PACKAGE_ROOT, file), "utf8");
  return [...text.matchAll(/^\s*(?:import|export)[^"';]*?from\s*["'](\.[^"']+)["']/gm)].map((m) => normalize(join(dirname(file), m[1]!)).replace(/\.js$/, ""));
}

const top = (path: string): string => path.split("/")[0]!;

/** What each folder may import besides itself. */
const ALLOWED: Record<string, readonly string[]> = {
  cli: ["api", "engines", "harness", "soak", "explore", "reports", "result", "protocol", "os", "acp"],
  api: ["engines", "harness", "soak", "explore", "reports", "result", "protocol", "os", "acp"],
  engines: ["harness", "reports", "result", "protocol", "os", "acp"],
  bench: ["harness", "soak", "explore", "reports", "result", "protocol", "os", "acp"],
  build: ["harness"],
  soak: ["harness", "reports", "result", "protocol", "os", "acp"],
  explore: ["harness", "reports", "result", "protocol", "os", "acp"],
  harness: ["reports", "result", "protocol", "os", "acp"],
  reports: ["result", "protocol", "os"],
  result: ["protocol", "os"],
  engine: ["protocol", "os", "acp"],
  protocol: [],
  os: [],
  acp: [],
};
const FOLDERS = Object.keys(ALLOWED);
const ALL = FOLDERS.flatMap(sources);

describe("layers", () => {
  for (const [folder, allowed] of Object.entries(ALLOWED)) {
    it(`${folder}/ imports only ${allowed.length === 0 ? "itself" : allowed.join(", ")}`, () => {
      const wrong = sources(folder).flatMap((file) =>
        importsOf(file)
          .filter((target) => top(target) !== folder && !allowed.includes(top(target)))
          .map((target) => `${file} imports ${target}`),
      );
      expect(wrong).toEqual([]);
    });
  }

  it("the harness reaches no engine but through the protocol: nothing in harness/ imports engine/", () => {
    expect(sources("harness").flatMap((f) => importsOf(f).filter((t) => top(t) === "engine").map((t) => `${f} imports ${t}`))).toEqual([]);
  });

  it("no file is part of an import circle", () => {
    const graph = new Map(ALL.map((f) => [f.replace(/\.ts$/, ""), importsOf(f)]));
    const circles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const visit = (node: string, path: string[]): void => {
      if (state.get(node) === "done") return;
      if (state.get(node) === "open") {
        circles.push([...path.slice(path.indexOf(node)), node].join(" → "));
        return;
      }
      state.set(node, "open");
      for (const next of graph.get(node) ?? []) if (graph.has(next)) visit(next, [...path, node]);
      state.set(node, "done");
    };
    for (const node of graph.keys()) visit(node, []);
    expect(circles).toEqual([]);
  });

  it("sees imports and circles at all (a test of the test)", () => {
    expect(importsOf("engine/engine.ts").map(top)).toContain("protocol");
    expect(ALL.length).toBeGreaterThan(50);
  });
});
