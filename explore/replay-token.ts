// The token that names one counterexample: fast-check's seed and shrink path, plus the commands'
// replay path (fc.commands shrinks only the commands a run executed, so a replay must be told
// which those were): `<seed>:<path>~<replayPath>`.
import { InputError } from "../protocol/input-error.js";

export interface ReplayToken {
  seed: number;
  path: string;
  replayPath: string | null;
}

export function formatReplay(token: ReplayToken): string {
  return `${token.seed}:${token.path}${token.replayPath === null ? "" : `~${token.replayPath}`}`;
}

export function parseReplay(text: string): ReplayToken {
  const match = /^(-?\d+):(\d+(?::\d+)*)(?:~([A-Za-z0-9+/]*:[A-Za-z0-9+/]*))?$/.exec(text);
  if (match === null) throw new InputError(`not a replay token: "${text}" (expected <seed>:<path>, as printed by a failing explore)`);
  return { seed: Number(match[1]), path: match[2]!, replayPath: match[3] ?? null };
}
