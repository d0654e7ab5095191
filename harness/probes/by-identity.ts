// Values a probe keeps for a process between scans, by its identity (pid, starttime): a recycled
// pid finds nothing. Keyed by the pid and checked against the starttime, not by a "pid/starttime"
// string: a scan looks up every process in the table, and those strings were a cost of their own.

interface Entry<T> {
  starttime: number;
  value: T;
}

export class ByIdentity<T> {
  private readonly byPid = new Map<number, Entry<T>>();

  get(p: { pid: number; starttime: number }): T | undefined {
    const entry = this.byPid.get(p.pid);
    return entry !== undefined && entry.starttime === p.starttime ? entry.value : undefined;
  }

  set(p: { pid: number; starttime: number }, value: T): void {
    this.byPid.set(p.pid, { starttime: p.starttime, value });
  }
}
