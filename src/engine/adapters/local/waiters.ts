// Wakes long-polling callers (claim, await promise) when something they wait for may have changed.
// A wake-up is only a hint: callers re-read the store, and a poll interval covers changes made by other processes.

export class Waiters {
  private readonly waiting = new Map<string, Set<() => void>>();

  /** Resolves on `wake(topic)`, after `pollMs`, on timeout, or on abort — whichever comes first. */
  wait(topic: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const set = this.waiting.get(topic) ?? new Set();
      this.waiting.set(topic, set);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        set.delete(done);
        if (set.size === 0) this.waiting.delete(topic);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      set.add(done);
    });
  }

  wake(topic: string): void {
    for (const fn of [...(this.waiting.get(topic) ?? [])]) fn();
  }
}
