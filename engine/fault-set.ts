// The faults switched on in this engine, as its hello asked.
import type { Fault } from "../protocol/faults.js";

export class FaultSet {
  private readonly active: ReadonlySet<Fault>;

  constructor(faults: readonly Fault[]) {
    this.active = new Set(faults);
  }

  has(fault: Fault): boolean {
    return this.active.has(fault);
  }

  list(): Fault[] {
    return [...this.active];
  }
}
