// Migration 014: the events routed but not yet published to the JetStream event log (EVENTHOOK_JETSTREAM=on). A row
// is written in the routing transaction and deleted once JetStream has acknowledged the message, so an event is
// published however the process or NATS fail in between. Keyed in the order rows are written, which is the order
// they are published in.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

export async function up(db: Kysely<unknown>, _t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('jetstream_outbox')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('route_seq', 'integer', (c) => c.notNull())
    .addColumn('org', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('jetstream_outbox_pk', ['created_at', 'event_id', 'route_seq'])
    .execute();
}
