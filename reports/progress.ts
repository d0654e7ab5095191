// Progress for a person at a terminal: a counter on stderr that rewrites itself. In a CI log
// (no TTY) it prints nothing, and the per-scenario lines on stdout are the progress.
import type { ScenarioResult } from "../result/result.js";

export interface Progress {
  done(result: ScenarioResult): void;
  end(): void;
}

export function terminalProgress(total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { done: () => undefined, end: () => undefined };
  let count = 0;
  let failed = 0;
  return {
    done(result) {
      count++;
      if (result.verdict !== "pass") failed++;
      stream.write(`\r\x1b[2K${count}/${total} scenarios done${failed > 0 ? `, ${failed} not passing` : ""}`);
    },
    end() {
      stream.write("\r\x1b[2K");
    },
  };
}
