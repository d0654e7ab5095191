// Bad input: a scenario, a flow, a fault name, an engine command, an option. It is told in one
// line and ends a command with exit 2; anything else thrown is a bug of ours and keeps its stack.
export class InputError extends Error {}
