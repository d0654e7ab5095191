// The fake chain's processes that only hold memory and wait, in perl where perl is on PATH: ignore
// SIGTERM if told to, hold the ballast (written, so resident), say "ready", and wait for a signal.
// A node start costs the CPU of dozens of perl starts, and a gate starts hundreds of these. Each
// runs under an argv[0] of its own, so the process table names it first, before the script.
import { onPath } from "../../../os/command-on-path.js";
import type { AgentBehaviour } from "../../../protocol/model.js";

const WAIT = `$SIG{TERM}="IGNORE" if $ARGV[0];our $b="x" x ($ARGV[1]<<20);$|=1;print "ready\\n";sleep while 1`;

/** A double fork: the starter exits at once, and the child it left makes a session of its own. */
const LEAVE = `use POSIX ();defined(my $p=fork) or die "fork: $!";exit if $p;POSIX::setsid() or die "setsid: $!";`;

/** A command to spawn, and the argv[0] it runs under where that is not the command. */
export interface Launch {
  command: string;
  args: string[];
  argv0?: string;
}

/** The spawn option that sets a launch's argv[0]. */
export const argv0Of = (launch: Launch): { argv0?: string } => (launch.argv0 === undefined ? {} : { argv0: launch.argv0 });

/** The waiter, run as `name`; `leave`: it first double-forks into a session of its own. Null where perl is not on PATH. */
export function perlWaiter(knobs: AgentBehaviour, name: string, leave = false): Launch | null {
  if (!onPath("perl")) return null;
  return { command: "perl", args: ["-e", `${leave ? LEAVE : ""}${WAIT}`, knobs.ignoreSigterm ? "1" : "0", String(knobs.ballastMb)], argv0: name };
}
