// Command lines as a person would type them again: for the timeline and the repro bundle.

const SAFE = /^[\w@%+=:,./-]+$/;

/** One word for a POSIX shell: bare when safe, else single-quoted. */
export function shellWord(word: string): string {
  if (word !== "" && SAFE.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** `env A=1 B=2 command args…`, with only the variables set over the caller's environment. */
export function commandLine(command: string, args: readonly string[], env: Readonly<Record<string, string>>): string {
  const assignments = Object.entries(env).map(([name, value]) => shellWord(`${name}=${value}`));
  return [...(assignments.length === 0 ? [] : ["env", ...assignments]), shellWord(command), ...args.map(shellWord)].join(" ");
}
