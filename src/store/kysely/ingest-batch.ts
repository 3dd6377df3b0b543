// Committing a batch of ingested events, as data: which items are new is decided the same way wherever the batch
// runs — in a Kysely transaction, or on the SQLite writer thread, which receives the statements already compiled.
import type { EventId } from '../../core/ids.js';
import type { IngestOutcome } from '../port.js';

/** One key an item claims, as the parameters of `IngestPlan.sql.claim` and `.holder`. */
export interface PlannedKey {
  /** Source and key: a second claim of the same key in one batch meets the first. */
  batchKey: string;
  claim: readonly unknown[];
  holder: readonly unknown[];
}

/** One ingested event as compiled statements: its key claims (if it has keys) and its row insert. */
export interface PlannedEvent {
  eventId: EventId;
  /** The idempotency key: when another event holds it, this one is a duplicate of that event. */
  dedup: PlannedKey | null;
  /** The replay key: when another request used it, this one is refused. */
  replay: PlannedKey | null;
  /** Parameters of `IngestPlan.sql.insert`. */
  insert: readonly unknown[];
}

export interface IngestPlan {
  sql: {
    /** Takes the key unless a live one exists; returns a row when taken. */
    claim: string;
    /** The event holding a live key. */
    holder: string;
    /** One event row. */
    insert: string;
  };
  items: PlannedEvent[];
}

/**
 * Splits a batch into refused, duplicate and new items, claiming each distinct key once; `claim` returns the event
 * that already holds a live key, or undefined when the key is now this item's, and `holder` only looks.
 *
 * An item's replay key is claimed first. When another request used it, the item is refused as a replay unless it is
 * that request again (its idempotency key is held by the same event): then it is a duplicate, as a resend always
 * was. Either way its idempotency key is not claimed, so a forged body cannot take an event id it names.
 */
export async function sortOutDuplicates<
  T extends { eventId: EventId; dedup: { batchKey: string } | null; replay: T['dedup'] },
>(
  items: readonly T[],
  claim: (item: T, key: NonNullable<T['dedup']>) => EventId | undefined | Promise<EventId | undefined>,
  holder: (item: T, key: NonNullable<T['dedup']>) => EventId | undefined | Promise<EventId | undefined>,
): Promise<{ outcomes: IngestOutcome[]; fresh: T[] }> {
  type K = NonNullable<T['dedup']>;
  const outcomes: IngestOutcome[] = [];
  const fresh: T[] = [];
  const inBatch = new Map<string, EventId>();
  /** The event holding the key: earlier in this batch, or in the store; undefined once it is this item's. */
  const holderOf = async (item: T, key: K): Promise<EventId | undefined> => {
    const earlier = inBatch.get(key.batchKey) ?? (await claim(item, key));
    inBatch.set(key.batchKey, earlier ?? item.eventId);
    return earlier;
  };
  for (const item of items) {
    if (item.replay) {
      const earlier = await holderOf(item, item.replay);
      if (earlier !== undefined) {
        const dedup = item.dedup;
        const same =
          dedup !== null && (inBatch.get(dedup.batchKey) ?? (await holder(item, dedup))) === earlier;
        outcomes.push(
          same
            ? { eventId: earlier, duplicate: true }
            : { eventId: earlier, duplicate: true, replayed: true },
        );
        continue;
      }
    }
    if (item.dedup) {
      const earlier = await holderOf(item, item.dedup);
      if (earlier !== undefined) {
        outcomes.push({ eventId: earlier, duplicate: true });
        continue;
      }
    }
    fresh.push(item);
    outcomes.push({ eventId: item.eventId, duplicate: false });
  }
  return { outcomes, fresh };
}
