// Group commit for attempt outcomes: attempts that end while a commit is under way are recorded together in the
// next transaction, so one fsync covers many deliveries (as GroupCommitter does for ingest). No caller goes on —
// announcing, waking others — before its own outcome is committed. Deferrals share transactions the same way, relaxed
// (Store.relaxed: no flush to disk).
import type { Store, StoreRepos } from '../store/port.js';
import { isStoreOutage } from '../store/store-outage.js';

/** The writes that record one attempt's outcome; run inside a transaction shared with other outcomes. */
export type Completion = (tx: StoreRepos) => Promise<void>;

interface Pending {
  work: Completion;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class CompletionBatcher {
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly store: Store,
    private readonly maxBatch = 256,
    private readonly durability: 'durable' | 'relaxed' = 'durable',
  ) {}

  private run(work: (tx: StoreRepos) => Promise<void>): Promise<void> {
    return this.durability === 'durable' ? this.store.transaction(work) : this.store.relaxed(work);
  }

  /** Resolves once `work` is committed. */
  submit(work: Completion): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ work, resolve, reject });
      if (!this.flushing) this.flushing = this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    // Let the attempts that end in this tick join the first batch.
    await new Promise((r) => setImmediate(r));
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        await this.run(async (tx) => {
          for (const p of batch) await p.work(tx);
        });
        for (const p of batch) p.resolve();
      } catch (batchError) {
        // One outcome that cannot be written must not sink the others: each goes again on its own. Not when the
        // store is out of reach or timed out: that is no outcome's fault, and each would wait as long again.
        let failRest: unknown = isStoreOutage(batchError) ? batchError : undefined;
        for (const p of batch) {
          if (failRest !== undefined) {
            p.reject(failRest);
            continue;
          }
          try {
            await this.run((tx) => p.work(tx));
            p.resolve();
          } catch (err) {
            p.reject(err);
            if (isStoreOutage(err)) failRest = err;
          }
        }
      }
    }
    this.flushing = null;
  }
}
