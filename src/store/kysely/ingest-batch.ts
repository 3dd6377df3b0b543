// Committing a batch of ingested events, as data: which items are new is decided the same way wherever the batch
// runs — in a Kysely transaction, or on the SQLite writer thread, which receives the statements already compiled.
import type { EventId } from '../../core/ids.js';
import type { IngestOutcome } from '../port.js';

/** One ingested event as compiled statements: its key claim (if it has a key) and its row insert. */
export interface PlannedEvent {
  eventId: EventId;
  /** Source and key: a second item with the same key in one batch is a duplicate of the first. */
  batchKey: string | null;
  /** Parameters of `IngestPlan.sql.claim` and of `.holder` for this item's key; null without a key. */
  claim: readonly unknown[] | null;
  holder: readonly unknown[] | null;
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
 * Splits a batch into duplicates and new items, claiming each distinct key once; `claim` returns the event that
 * already holds a live key, or undefined when the key is now this item's.
 */
export async function sortOutDuplicates<T extends { eventId: EventId; batchKey: string | null }>(
  items: readonly T[],
  claim: (item: T) => EventId | undefined | Promise<EventId | undefined>,
): Promise<{ outcomes: IngestOutcome[]; fresh: T[] }> {
  const outcomes: IngestOutcome[] = [];
  const fresh: T[] = [];
  const inBatch = new Map<string, EventId>();
  for (const item of items) {
    if (item.batchKey !== null) {
      const earlier = inBatch.get(item.batchKey) ?? (await claim(item));
      if (earlier !== undefined) {
        inBatch.set(item.batchKey, earlier);
        outcomes.push({ eventId: earlier, duplicate: true });
        continue;
      }
      inBatch.set(item.batchKey, item.eventId);
    }
    fresh.push(item);
    outcomes.push({ eventId: item.eventId, duplicate: false });
  }
  return { outcomes, fresh };
}
