// Group commit for ingest (SPEC §4.7): requests that arrive while a commit is under way are committed together
// in the next transaction, so one flush to disk covers many webhooks. No caller is answered before its own
// commit is durable. While a batch commits (on SQLite, on the store's writer thread), the request thread parses
// and verifies the next requests, and the next batch gathers meanwhile.
import type { Clock } from '../core/clock.js';
import { EventhookError } from '../core/errors.js';
import type { IngestItem, IngestOutcome, Store } from '../store/port.js';

interface Pending {
  item: IngestItem;
  /** What it counts for in the backlog, given back once its commit is done (whatever the outcome). */
  bytes: number;
  resolve: (outcome: IngestOutcome) => void;
  reject: (err: unknown) => void;
}

/** What an event without raw bytes (published, or from NATS) counts for against the backlog limit. */
export const NOMINAL_EVENT_BYTES = 1024;

/** How long an overloaded process asks senders to wait before they try again. */
export const OVERLOAD_RETRY_AFTER_SECONDS = 5;

export interface GroupCommitterOptions {
  maxBatch?: number;
  /**
   * Most bytes of requests waiting for their commit (queued or committing) at once. A request that would take the
   * backlog past it is refused at once with EH_INGEST_OVERLOADED (503, Retry-After), so a store that falls behind
   * sheds load instead of filling memory and answering after the sender gave up. One request alone is always taken.
   */
  maxBacklogBytes?: number;
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
  /** Bytes of the requests queued or committing. */
  private backlogBytes = 0;
  private readonly maxBatch: number;
  private readonly maxBacklogBytes: number;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    options: GroupCommitterOptions = {},
    /** Called after each commit with the events that are new (announce them on the bus). */
    private readonly onCommitted: (items: IngestItem[]) => void = () => {},
  ) {
    this.maxBatch = options.maxBatch ?? 256;
    this.maxBacklogBytes = options.maxBacklogBytes ?? Infinity;
  }

  /** Bytes of the requests waiting for their commit now. */
  get backlog(): number {
    return this.backlogBytes;
  }

  /** Resolves once the item is durably committed (or found to be a duplicate). */
  submit(item: IngestItem, bytes = sizeOf(item)): Promise<IngestOutcome> {
    this.admit(bytes);
    return this.enqueue(item, bytes);
  }

  /**
   * Submits the items of one request together: either all are taken or, when they would overflow the backlog, none
   * (throws EH_INGEST_OVERLOADED). `bytes` is each item's size (default: its raw body, or a nominal size).
   */
  submitAll(
    items: readonly IngestItem[],
    bytes: readonly number[] = items.map(sizeOf),
  ): Promise<IngestOutcome>[] {
    this.admit(bytes.reduce((a, b) => a + b, 0));
    return items.map((item, i) => this.enqueue(item, bytes[i]!));
  }

  private admit(bytes: number): void {
    // Items counted as nothing are never refused: those whose sender will not send them again (Flovyn's NATS events).
    if (bytes > 0 && this.backlogBytes > 0 && this.backlogBytes + bytes > this.maxBacklogBytes) {
      throw new EventhookError(
        'EH_INGEST_OVERLOADED',
        {},
        { headers: { 'retry-after': String(OVERLOAD_RETRY_AFTER_SECONDS) } },
      );
    }
    this.backlogBytes += bytes;
  }

  private enqueue(item: IngestItem, bytes: number): Promise<IngestOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, bytes, resolve, reject });
      this.schedule();
    });
  }

  /**
   * The store itself failed (a lock held elsewhere past the busy wait, a statement too slow): every item fails alike,
   * the batch's and those queued behind it meanwhile, at once. Each would wait as long again, on its own or in the
   * next batch, and be answered after its sender gave up (GitHub waits 10 s); told now, they come back (503,
   * Retry-After). What is submitted after goes in the next commit, which may find the store free again.
   */
  private refuseAll(batch: Pending[], err: unknown): void {
    for (const p of batch) p.reject(err);
    for (const p of this.queue.splice(0)) {
      this.backlogBytes -= p.bytes;
      p.reject(err);
    }
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
          if (isStoreWide(err)) return this.refuseAll(batch, err);
          if (batch.length === 1) return batch[0]!.reject(err);
          // One item that cannot be written (say a text PostgreSQL refuses) must not fail the others: each goes
          // again on its own, and only the ones that fail again are refused.
          for (const [i, p] of batch.entries()) {
            try {
              const [outcome] = await this.store.commitIngest([p.item], this.clock.now());
              p.resolve(outcome!);
              if (!outcome!.duplicate) this.onCommitted([p.item]);
            } catch (one) {
              if (isStoreWide(one)) return this.refuseAll(batch.slice(i), one);
              p.reject(one);
            }
          }
        },
      )
      .finally(() => {
        for (const p of batch) this.backlogBytes -= p.bytes;
        this.inFlight--;
        this.schedule();
        if (this.inFlight === 0 && this.queue.length === 0)
          for (const resolve of this.idle.splice(0)) resolve();
      });
  }
}

/** A failure of the store itself, not of one item; the kind says so (STYLE §21), never the message. */
function isStoreWide(err: unknown): boolean {
  return err instanceof EventhookError && (err.kind === 'timeout' || err.kind === 'store');
}

function sizeOf(item: IngestItem): number {
  return item.event.rawBody?.length ?? item.event.bodyText?.length ?? NOMINAL_EVENT_BYTES;
}
