// Migration 022: a grant's event types and description can be changed (PATCH …/grants/{grant}, docs/event-bus.md),
// so a grant gets the version the other configuration rows have: updated_at, which a change is saved only at, so two
// changes at once cannot lose one. A grant made before starts at its creation time.
import { sql, type Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

export async function up(db: Kysely<unknown>, _t: ColumnTypes): Promise<void> {
  await db.schema
    .alterTable('event_bus_grants')
    .addColumn('updated_at', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`update event_bus_grants set updated_at = created_at`.execute(db);
}
