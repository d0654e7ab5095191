// Engines at once, counted across every gate that shares the count. mutate runs all its gates
// together on one count: a gate out of batches leaves its slot to another gate's next batch,
// instead of each gate waiting out its own batches one by one while the cores idle.
export class EngineSlots {
  private free: number;
  private readonly waiting: { rank: number; start: () => void }[] = [];

  constructor(count: number) {
    this.free = count;
  }

  /**
   * Runs `work` once a slot is free. Slots go to the lowest rank waiting, first come first served
   * within a rank: a gate ranks its batches 0, 1, 2…, so gates run side by side, each with a batch
   * or two at a time, and their waits and their work mix instead of one gate's batches all waiting
   * out the same grace periods together.
   */
  async run<T>(rank: number, work: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else {
      await new Promise<void>((start) => {
        const at = this.waiting.findIndex((w) => w.rank > rank);
        this.waiting.splice(at === -1 ? this.waiting.length : at, 0, { rank, start });
      });
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next === undefined) this.free++;
      else next.start();
    }
  }
}
