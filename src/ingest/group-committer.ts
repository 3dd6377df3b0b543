// Group commit for ingest (SPEC §4.7): requests that arrive while a commit is under way are committed together
// in the next transaction, so one flush to disk covers many webhooks. No caller is answered before its own
// commit is durable. While a batch commits (on SQLite, on the store's writer thread), the request thread parses
// and verifies the next requests, and the next batch gathers meanwhile.
import type { Clock } from '../core/clock.js';
import type { IngestItem, IngestOutcome, Store } from '../store/port.js';

interface Pending {
  item: IngestItem;
  resolve: (outcome: IngestOutcome) => void;
  reject: (err: unknown) => void;
}

/**
 * Batches committing at once. One measured best on SQLite (bench/ingest): overlapping batches are smaller, and a
 * commit's cost grows with the pages it rewrites rather than with its rows. With the writer thread, which merges
 * the batches waiting for it, 2 to 64 measured no better either.
 */
const MAX_IN_FLIGHT = 1;

export class GroupCommitter {
  private queue: Pending[] = [];
  private scheduled = false;
  private inFlight = 0;
  private idle: (() => void)[] = [];

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
      this.schedule();
    });
  }

  /** Waits until everything submitted so far is committed. */
  drain(): Promise<void> {
    if (this.inFlight === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled || this.queue.length === 0 || this.inFlight >= MAX_IN_FLIGHT) return;
    this.scheduled = true;
    // Let the requests already parsed in this tick join the batch.
    setImmediate(() => {
      this.scheduled = false;
      this.commit(this.queue.splice(0, this.maxBatch));
      this.schedule();
    });
  }

  private commit(batch: Pending[]): void {
    if (batch.length === 0) return;
    this.inFlight++;
    this.store
      .commitIngest(
        batch.map((p) => p.item),
        this.clock.now(),
      )
      .then(
        (outcomes) => {
          batch.forEach((p, i) => p.resolve(outcomes[i]!));
          this.onCommitted(batch.filter((_, i) => !outcomes[i]!.duplicate).map((p) => p.item));
        },
        async (err) => {
          if (batch.length === 1) return batch[0]!.reject(err);
          // One item that cannot be written (say a text PostgreSQL refuses) must not fail the others: each goes
          // again on its own, and only the ones that fail again are refused.
          for (const p of batch) {
            try {
              const [outcome] = await this.store.commitIngest([p.item], this.clock.now());
              p.resolve(outcome!);
              if (!outcome!.duplicate) this.onCommitted([p.item]);
            } catch (one) {
              p.reject(one);
            }
          }
        },
      )
      .finally(() => {
        this.inFlight--;
        this.schedule();
        if (this.inFlight === 0 && this.queue.length === 0)
          for (const resolve of this.idle.splice(0)) resolve();
      });
  }
}
