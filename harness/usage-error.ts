// Bad input from the user: reported in one line, exit code 2, nothing spawned.
export class UsageError extends Error {}

export const EXIT = { pass: 0, fail: 1, usage: 2 } as const;
