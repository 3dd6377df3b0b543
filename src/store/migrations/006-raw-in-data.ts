// Migration 006: a JSON webhook's body is stored once. Its text is the event's data, and the raw body is read back
// from it (raw_body stays null): keeping both had been about 40 % of every such event row, written to the log and
// copied into the database file again.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

export async function up(db: Kysely<unknown>, _t: ColumnTypes): Promise<void> {
  await db.schema
    .alterTable('events')
    .addColumn('raw_in_data', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}
