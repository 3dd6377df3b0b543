// Migration 028: an execution's cause is kept per org. Execution ids come from the engine, and its lifecycle events
// are looked up by the id they carry: keyed by that id alone, an event of one org naming an id another org's start
// recorded (another Flovyn org, a forged or colliding id) took that org's event, correlation id, traceparent and hop
// count. The key becomes (org, execution id), which neither engine can widen.
//
// SQLite cannot change a table's primary key, so the table is made again, on both stores alike. A cause written
// before takes its org from its event; one whose event is gone (pruned or purged, as the cause soon would be) has no
// org to go under and is dropped: its execution's next events count hops from one, as an unknown one's do.
import { sql, type Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

export async function up(db: Kysely<unknown>, _t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('execution_causes_028')
    .addColumn('org', 'text', (c) => c.notNull())
    .addColumn('execution_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('hops', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('correlation_id', 'text')
    .addColumn('traceparent', 'text')
    .addPrimaryKeyConstraint('execution_causes_org_pk', ['org', 'execution_id'])
    .execute();
  await sql`insert into execution_causes_028
      (org, execution_id, event_id, hops, created_at, correlation_id, traceparent)
    select e.org, c.execution_id, c.event_id, c.hops, c.created_at, c.correlation_id, c.traceparent
      from execution_causes c join events e on e.id = c.event_id`.execute(db);
  await db.schema.dropTable('execution_causes').execute();
  await db.schema.alterTable('execution_causes_028').renameTo('execution_causes').execute();
  await db.schema
    .createIndex('execution_causes_created')
    .on('execution_causes')
    .column('created_at')
    .execute();
}
