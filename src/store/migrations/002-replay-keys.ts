// Migration 002: events remember whether their next routing pass should use fresh idempotency keys (a replay that
// asks to run its targets again rather than be recognised as a repeat).
import type { Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

export async function up(db: Kysely<unknown>, _t: ColumnTypes): Promise<void> {
  await db.schema
    .alterTable('events')
    .addColumn('fresh_keys', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}
