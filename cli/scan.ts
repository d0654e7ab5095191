// `reapcheck scan` lists what carries a reapcheck tag; `reapcheck reap --run <id>` ends one run's.
// Neither looks at, nor signals, a process without our tag.
import type { Command } from "commander";
import { describeProcesses } from "../result/process.js";
import { ProcScan } from "../harness/probes/proc-scan.js";
import { type ProcessInfo, isAlive } from "../result/process.js";
import { reapRun } from "../harness/reaper.js";
import { InputError } from "../protocol/input-error.js";
import { EXIT } from "../result/exit-code.js";
import { uptimeTicks, TICKS_PER_SECOND } from "../os/proc-stat.js";

async function tagged(): Promise<ProcessInfo[]> {
  return (await new ProcScan().scan()).filter((p) => p.run !== null && isAlive(p));
}

export function registerScan(program: Command): void {
  program
    .command("scan")
    .description("list live processes carrying a reapcheck run tag (run, job, pgid, rss, age, args)")
    .option("--json", "print JSON")
    .action(async (flags: { json?: boolean }) => {
      const found = await tagged();
      const now = uptimeTicks();
      const rows = found.map((p) => ({
        run: p.run,
        job: p.job,
        pid: p.pid,
        pgid: p.pgid,
        rssMb: Number((p.rssBytes / 2 ** 20).toFixed(1)),
        ageSeconds: Number(((now - p.starttime) / TICKS_PER_SECOND).toFixed(1)),
        args: p.args,
      }));
      if (flags.json === true) {
        console.log(JSON.stringify(rows, null, 2));
        return;
      }
      if (rows.length === 0) {
        console.log("no process carries a reapcheck tag");
        return;
      }
      for (const r of rows) {
        console.log(`${(r.run ?? "").padEnd(14)} ${(r.job ?? "-").padEnd(28)} pid ${r.pid} pgid ${r.pgid} ${r.rssMb} MB ${r.ageSeconds} s  ${r.args.slice(0, 100)}`);
      }
    });
}

export function registerReap(program: Command): void {
  program
    .command("reap")
    .description("kill every live process tagged with one run")
    .requiredOption("--run <id>", "the run whose processes to end (see `reapcheck scan`)")
    .action(async (flags: { run: string }) => {
      if (!/^[A-Za-z0-9_.-]+$/.test(flags.run)) throw new InputError(`not a run id: "${flags.run}"`);
      const reaped = await reapRun(flags.run, new ProcScan());
      console.log(reaped.length === 0 ? `run ${flags.run}: nothing to reap` : `run ${flags.run}: reaped\n${describeProcesses(reaped)}`);
      process.exitCode = EXIT.pass;
    });
}
