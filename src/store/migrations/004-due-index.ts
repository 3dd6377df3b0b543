// Migration 004: a partial index over the actions that wait for their next attempt, ordered by when it is due, so
// finding the next due actions reads only those rows (the (status, next_attempt_at) index needs a sort across
// both statuses, which grows with the backlog).
import { sql, type Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

export async function up(db: Kysely<unknown>, _t: ColumnTypes): Promise<void> {
  await db.schema
    .createIndex('actions_waiting_due')
    .on('actions')
    .column('next_attempt_at')
    .where(sql<boolean>`status in ('pending', 'failed')`)
    .execute();
  await db.schema.createIndex('actions_lease').on('actions').columns(['status', 'lease_until']).execute();
}
