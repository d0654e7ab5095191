// Engine events as they arrive, with waits on the first that matches, past or future.
import type { EngineEvent } from "../protocol/messages.js";

export class EventLog {
  readonly events: EngineEvent[] = [];
  private readonly listeners = new Set<(event: EngineEvent) => void>();

  push(event: EngineEvent): void {
    this.events.push(event);
    for (const listener of this.listeners) listener(event);
  }

  onEvent(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the first event, past or future, that matches; null at the timeout. */
  waitFor(match: (event: EngineEvent) => boolean, timeoutMs: number): Promise<EngineEvent | null> {
    const seen = this.events.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        off();
        resolve(null);
      }, timeoutMs);
      const off = this.onEvent((event) => {
        if (!match(event)) return;
        clearTimeout(timer);
        off();
        resolve(event);
      });
    });
  }
}
