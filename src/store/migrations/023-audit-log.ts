// Migration 023: the audit log — one row per configuration change (a source, rule, endpoint, grant or API key
// created, changed, deleted, its secret rotated, …), written in the transaction of the change, naming who made it.
// Read newest first per org, by id (time-ordered), optionally narrowed to one resource kind and name.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

export async function up(db: Kysely<unknown>, _t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org', 'text', (c) => c.notNull().references('orgs.slug'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('resource', 'text', (c) => c.notNull())
    .addColumn('resource_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('fields', 'text', (c) => c.notNull())
    .addColumn('actor_kind', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('actor_name', 'text')
    .addColumn('actor_role', 'text')
    .addColumn('version', 'bigint')
    .execute();
  await db.schema.createIndex('audit_log_by_org').on('audit_log').columns(['org', 'id']).execute();
}
