// An adapter crash made from outside: a SIGKILL of one part of a live chain mid-turn, as the OOM
// killer or a segfault would end it. The part is found by descent from the chain's root, inside
// its group, at the depth the adapter's profile gives it; only a process that still has the
// identity it was found with is signalled.
import { liveGroupMembers } from "../../os/proc-stat.js";
import { killProcesses } from "../../os/process-group.js";
import type { AdapterProfile, ChainPart } from "./profile.js";

/** The chain member `depth` parents below the root, within the root's group; null if the chain is not that deep (yet). */
export function chainMember(root: number, depth: number): { pid: number; starttime: number; comm: string } | null {
  const members = liveGroupMembers(root);
  let at = members.find((m) => m.pid === root);
  for (let level = 0; at !== undefined && level < depth; level++) {
    const parent: number = at.pid;
    at = members.filter((m) => m.ppid === parent).sort((a, b) => a.starttime - b.starttime)[0];
  }
  return at ?? null;
}

/** SIGKILLs the part; says what it killed, or why it could not. */
export async function crashChainPart(adapter: AdapterProfile, part: ChainPart, root: number): Promise<string> {
  const depth = adapter.parts[part];
  const member = chainMember(root, depth);
  if (member === null) throw new Error(`no ${part} (${adapter.chain[depth]}) under adapter root ${root} to crash`);
  const alive = await killProcesses([member]);
  if (alive.length > 0) throw new Error(`the ${part} pid ${member.pid} outlived SIGKILL`);
  return `SIGKILLed the ${part}, pid ${member.pid} (${member.comm})`;
}
