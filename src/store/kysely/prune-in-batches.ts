// Retention's deletes, a batch at a time, so other writers are never held up for long.
import { sql, type Kysely } from 'kysely';
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
    await pauseAfter(started);
  }
  return pruned;
}

/** As long again without the write lock: a writer waiting for it finds it free half the time, rather than never. */
function pauseAfter(started: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(2, performance.now() - started)));
}

/** Tables whose rows have no id to page by, with the time by which they are pruned. */
const TIMED_TABLES = {
  idempotency_keys: 'expires_at',
  execution_causes: 'created_at',
  jetstream_outbox: 'created_at',
} as const;

/**
 * Deletes the rows of `table` whose time is before `cutoff`, about `batchSize` at a time (the oldest first; rows of
 * the same millisecond go together: each batch ends at the time of the batchSize-th oldest), pausing after each as
 * pruneInBatches does. Returns how many went. One statement for them all held SQLite's write lock for seconds once an
 * hour (an hour of idempotency keys of a busy deployment, a million rows: 6 s, so ingest got 503), and could outlast
 * PostgreSQL's statement_timeout.
 */
export async function pruneBefore(
  db: Kysely<Database>,
  table: keyof typeof TIMED_TABLES,
  cutoff: number,
  batchSize = PRUNE_BATCH,
): Promise<number> {
  const at = sql.ref(TIMED_TABLES[table]);
  let pruned = 0;
  // Past the batches already deleted: an index scan from the start would step over their dead entries each time.
  let after: number | undefined;
  const from = () => (after === undefined ? sql`` : sql`${at} > ${after} and`);
  for (;;) {
    const { rows } = await sql<{ at: number | string }>`
      select ${at} as at from ${sql.table(table)} where ${from()} ${at} < ${cutoff}
      order by ${at} limit 1 offset ${batchSize - 1}`.execute(db);
    const edge = rows[0] === undefined ? undefined : Number(rows[0].at);
    const started = performance.now();
    const deleted = await sql`
      delete from ${sql.table(table)}
      where ${from()} ${at} ${edge === undefined ? sql`<` : sql`<=`} ${edge ?? cutoff}`.execute(db);
    after = edge;
    pruned += Number(deleted.numAffectedRows ?? 0);
    if (edge === undefined) return pruned;
    await pauseAfter(started);
  }
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
