// Migration 013: which event caused each execution Eventhook started on an external engine (Flovyn), and at what
// hop count. Flovyn's lifecycle events carry no metadata, and any process of a deployment may take them, so the cause
// is kept where every process can read it; an event from such an execution then counts one hop more than its cause.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

export async function up(db: Kysely<unknown>, _t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('execution_causes')
    .addColumn('execution_id', 'text', (c) => c.primaryKey())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('hops', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('execution_causes_created')
    .on('execution_causes')
    .column('created_at')
    .execute();
}
