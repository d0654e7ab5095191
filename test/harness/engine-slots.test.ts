import { describe, expect, it } from "vitest";
import { EngineSlots } from "../../harness/engine-slots.js";

describe("engine slots shared by gates", () => {
  it("run at most their count at once, and give a freed slot to the lowest rank waiting, first come first served", async () => {
    const slots = new EngineSlots(2);
    const started: string[] = [];
    let running = 0;
    let most = 0;
    const releases = new Map<string, () => void>();
    const work = (name: string, rank: number): Promise<void> =>
      slots.run(rank, async () => {
        started.push(name);
        most = Math.max(most, ++running);
        await new Promise<void>((release) => releases.set(name, release));
        running--;
      });
    // Two gates queue their batches: gate a's 0, 1, 2, then gate b's 0, 1.
    const all = Promise.all([work("a0", 0), work("a1", 1), work("a2", 2), work("b0", 0), work("b1", 1)]);
    await Promise.resolve();
    expect(started).toEqual(["a0", "a1"]);
    for (const name of ["a0", "a1", "b0", "a2", "b1"]) {
      await new Promise((tick) => setImmediate(tick));
      releases.get(name)!();
    }
    await all;
    expect(started).toEqual(["a0", "a1", "b0", "b1", "a2"]);
    expect(most).toBe(2);
  });
});
