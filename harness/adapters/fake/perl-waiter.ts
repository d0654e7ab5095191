// The fake chain's processes that only hold memory and wait, in perl where perl is on PATH: ignore
// SIGTERM if told to, hold the ballast (written, so resident), say "ready", and wait for a signal.
// A node start costs the CPU of dozens of perl starts, and a gate starts hundreds of these. Each
// runs under an argv[0] of its own, so the process table names it first, before the script.
import { onPath } from "../../../os/command-on-path.js";
import type { AgentBehaviour } from "../../../protocol/model.js";

const WAIT = `$SIG{TERM}="IGNORE" if $ARGV[0];our $b="x" x ($ARGV[1]<<20);$|=1;print "ready\\n";sleep while 1`;

/**
 * A double fork: the child makes a session of its own, and the starter exits once it has (0), or
 * once the child died before it could (1), so whoever waits on the starter knows the child is out.
 */
const LEAVE = `use POSIX ();pipe(my $r,my $w) or die "pipe: $!";defined(my $p=fork) or die "fork: $!";if($p){close $w;exit(sysread($r,my $x,1)==1?0:1)}close $r;POSIX::setsid() or die "setsid: $!";syswrite $w,"1";close $w;`;

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
