// Retention's deletes, a batch at a time, so other writers are never held up for long.
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** Rows deleted per batch: each batch holds SQLite's write lock for a few milliseconds. */
export const PRUNE_BATCH = 500;

/**
 * Runs `drop` (one statement) on successive batches of at most `batchSize` ids that `next` finds, until a batch comes
 * back short, pausing after each as long as it took. Returns how many went.
 */
export async function pruneInBatches(
  next: (limit: number) => Promise<string[]>,
  drop: (ids: string[]) => Promise<void>,
  batchSize = PRUNE_BATCH,
): Promise<number> {
  let pruned = 0;
  for (;;) {
    const ids = await next(batchSize);
    if (ids.length === 0) break;
    const started = performance.now();
    await drop(ids);
    pruned += ids.length;
    if (ids.length < batchSize) break;
    // As long again without the write lock: a writer waiting for it finds it free half the time, rather than never.
    await new Promise((resolve) => setTimeout(resolve, Math.max(2, performance.now() - started)));
  }
  return pruned;
}

/**
 * The `next` of pruneInBatches for a table whose ids carry the time they were made: the oldest ids under `before`,
 * a range of the primary key.
 */
export function idsBefore(db: Kysely<Database>, table: 'events' | 'audit_log', before: string) {
  return async (limit: number): Promise<string[]> => {
    const rows = await db
      .selectFrom(table)
      .select('id')
      .where('id', '<', before)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  };
}
