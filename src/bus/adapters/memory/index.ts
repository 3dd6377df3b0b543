// In-process bus adapter: delivery is asynchronous (a microtask later), so a slow subscriber never delays ingest.
import { subjectMatches, type Bus, type BusHandler, type Subscription } from '../../port.js';

export class MemoryBus implements Bus {
  private readonly subs = new Set<{ pattern: string; handler: BusHandler<unknown> }>();
  private closed = false;

  constructor(private readonly onError: (err: unknown, subject: string) => void = () => {}) {}

  async publish<T>(subject: string, data: T): Promise<void> {
    if (this.closed) return;
    for (const sub of this.subs) {
      if (!subjectMatches(sub.pattern, subject)) continue;
      queueMicrotask(() => {
        try {
          const result = sub.handler({ subject, data });
          if (result) result.catch((err) => this.onError(err, subject));
        } catch (err) {
          this.onError(err, subject);
        }
      });
    }
  }

  subscribe<T>(pattern: string, handler: BusHandler<T>): Subscription {
    const sub = { pattern, handler: handler as BusHandler<unknown> };
    this.subs.add(sub);
    return { unsubscribe: () => this.subs.delete(sub) };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.subs.clear();
  }
}
