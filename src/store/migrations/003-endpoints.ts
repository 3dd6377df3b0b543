// Migration 003: outbound endpoints, and the action columns delivery needs (which endpoint, FIFO lane, why waiting).
import { sql, type Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

export async function up(db: Kysely<unknown>, _t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org', 'text', (c) => c.notNull().references('orgs.slug'))
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('headers', 'text', (c) => c.notNull())
    .addColumn('auth', 'text')
    .addColumn('secrets', 'text', (c) => c.notNull())
    .addColumn('header_style', 'text', (c) => c.notNull())
    .addColumn('timeout_ms', 'integer', (c) => c.notNull())
    .addColumn('rate_limit', 'double precision')
    .addColumn('max_concurrency', 'integer')
    .addColumn('ordering', 'text', (c) => c.notNull())
    .addColumn('ordering_key', 'text')
    .addColumn('retry', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('breaker', 'text')
    .addColumn('disabled_reason', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .execute();
  // As for sources: a deleted endpoint frees its slug and stays readable by id.
  await db.schema
    .createIndex('endpoints_org_slug')
    .on('endpoints')
    .columns(['org', 'slug'])
    .unique()
    .where(sql.ref('deleted_at'), 'is', null)
    .execute();

  // `endpoint` copies target.endpoint of webhook actions so the dead-letter queue, FIFO lanes and health are
  // index lookups rather than scans of the target JSON.
  await db.schema.alterTable('actions').addColumn('endpoint', 'text').execute();
  await db.schema.alterTable('actions').addColumn('ordering_key', 'text').execute();
  await db.schema.alterTable('actions').addColumn('waiting', 'text').execute();
  await db.schema
    .createIndex('actions_org_endpoint')
    .on('actions')
    .columns(['org', 'endpoint', 'status', 'id'])
    .execute();
}
