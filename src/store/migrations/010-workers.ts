// Migration 010: the worker processes that share a database, each with its last heartbeat. Workers divide each
// endpoint's rate limit and concurrency cap among those alive, so several workers together keep to the limits an
// endpoint was given, rather than each of them keeping to all of it.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

export async function up(db: Kysely<unknown>, _t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('workers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('last_seen', 'bigint', (c) => c.notNull())
    .execute();
}
