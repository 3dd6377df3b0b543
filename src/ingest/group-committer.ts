// Group commit for ingest (SPEC §4.7): requests that arrive while a commit is under way are committed together
// in the next transaction, so one fsync covers many webhooks. No caller is answered before its own commit.
import type { Clock } from '../core/clock.js';
import type { IngestItem, IngestOutcome, Store } from '../store/port.js';

interface Pending {
  item: IngestItem;
  resolve: (outcome: IngestOutcome) => void;
  reject: (err: unknown) => void;
}

export class GroupCommitter {
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly maxBatch = 256,
    /** Called after each commit with the events that are new (announce them on the bus). */
    private readonly onCommitted: (items: IngestItem[]) => void = () => {},
  ) {}

  /** Resolves once the item is durably committed (or found to be a duplicate). */
  submit(item: IngestItem): Promise<IngestOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.flushing) this.flushing = this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    // Let the requests already parsed in this tick join the first batch.
    await new Promise((r) => setImmediate(r));
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        const outcomes = await this.store.transaction((tx) =>
          tx.events.ingest(
            batch.map((p) => p.item),
            this.clock.now(),
          ),
        );
        const fresh = batch.filter((_, i) => !outcomes[i]!.duplicate).map((p) => p.item);
        batch.forEach((p, i) => p.resolve(outcomes[i]!));
        this.onCommitted(fresh);
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
    this.flushing = null;
  }

  /** Waits until everything submitted so far is committed. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }
}
