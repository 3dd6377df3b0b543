// Migration 015: grants for cross-org event_bus targets. A row lets `from_org` publish into `org`; the receiving org
// owns it. Looked up by (org, from_org) on every cross-org publication, and listed by org in the API.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

export async function up(db: Kysely<unknown>, _t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('event_bus_grants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org', 'text', (c) => c.notNull().references('orgs.slug'))
    .addColumn('from_org', 'text', (c) => c.notNull().references('orgs.slug'))
    .addColumn('event_types', 'text')
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('event_bus_grants_by_pair')
    .on('event_bus_grants')
    .columns(['org', 'from_org'])
    .execute();
}
