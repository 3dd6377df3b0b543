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
  /** With both keys: parameters of `IngestPlan.sql.sameRequest` and `.repoint`. */
  pair: { sameRequest: readonly unknown[]; repoint: readonly unknown[] } | null;
}

export interface IngestPlan {
  sql: {
    /** Takes the key unless a live one exists; returns a row when taken. */
    claim: string;
    /** The event holding a live key. */
    holder: string;
    /** One event row. */
    insert: string;
    /** A row when the event holding the replay key was stored under the idempotency key. */
    sameRequest: string;
    /** Points the replay key at the event holding the idempotency key. */
    repoint: string;
  };
  items: PlannedEvent[];
}

/** How `sortOutDuplicates` reaches the keys in the store, within the batch's transaction. */
export interface KeyAccess<T, K> {
  /** Takes the key for the item; returns the event already holding it live, or undefined once it is the item's. */
  claim(item: T, key: K): EventId | undefined | Promise<EventId | undefined>;
  /** The event holding the key live, if any; only looks. */
  holder(item: T, key: K): EventId | undefined | Promise<EventId | undefined>;
  /**
   * Whether the stored event holding the item's replay key was stored under the item's idempotency key: the same
   * request again, even after that key's own window ended.
   */
  sameRequest(item: T): boolean | Promise<boolean>;
  /** Points the item's replay key, just claimed, at the event holding its idempotency key. */
  repoint(item: T): void | Promise<void>;
}

/**
 * Splits a batch into refused, duplicate and new items, claiming each distinct key once.
 *
 * An item's replay key is claimed first. When another request used it, the item is refused as a replay unless it is
 * that request again (its idempotency key names the same event): then it is a duplicate, as a resend always was.
 * Either way its idempotency key is not claimed, so a forged body cannot take an event id it names. A request whose
 * replay key is new but whose idempotency key is held is a duplicate, and its replay key is pointed at the event it
 * duplicates, so that sending it once more is a duplicate too.
 */
export async function sortOutDuplicates<
  T extends { eventId: EventId; dedup: { batchKey: string } | null; replay: T['dedup'] },
>(
  items: readonly T[],
  keys: KeyAccess<T, NonNullable<T['dedup']>>,
): Promise<{ outcomes: IngestOutcome[]; fresh: T[] }> {
  type K = NonNullable<T['dedup']>;
  const outcomes: IngestOutcome[] = [];
  const fresh: T[] = [];
  const inBatch = new Map<string, EventId>();
  /** The event holding the key: earlier in this batch, or in the store; undefined once it is this item's. */
  const holderOf = async (item: T, key: K): Promise<EventId | undefined> => {
    const earlier = inBatch.get(key.batchKey) ?? (await keys.claim(item, key));
    inBatch.set(key.batchKey, earlier ?? item.eventId);
    return earlier;
  };
  const sameRequest = async (item: T, dedup: K, earlier: EventId): Promise<boolean> =>
    (inBatch.get(dedup.batchKey) ?? (await keys.holder(item, dedup))) === earlier ||
    (await keys.sameRequest(item));
  for (const item of items) {
    if (item.replay) {
      const earlier = await holderOf(item, item.replay);
      if (earlier !== undefined) {
        const same = item.dedup !== null && (await sameRequest(item, item.dedup, earlier));
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
        if (item.replay) {
          inBatch.set(item.replay.batchKey, earlier);
          await keys.repoint(item);
        }
        outcomes.push({ eventId: earlier, duplicate: true });
        continue;
      }
    }
    fresh.push(item);
    outcomes.push({ eventId: item.eventId, duplicate: false });
  }
  return { outcomes, fresh };
}
