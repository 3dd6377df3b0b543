// Migration 016: the local engine's finished workflows and tasks by completion time, and its settled promises by
// settlement time, for retention. Without them each hourly prune read every execution and promise ever kept.
// Partial: a row enters when it finishes, so claims and leases of running work never touch these indexes. And each
// org's promises in id order, for GET /engine/promises (a page otherwise walked every org's promises by id).
import { sql, type Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

export async function up(db: Kysely<unknown>, _t: ColumnTypes): Promise<void> {
  for (const table of ['workflows', 'tasks'] as const) {
    await db.schema
      .createIndex(`${table}_finished`)
      .on(table)
      .column('completed_at')
      .where(sql<boolean>`status in ('completed', 'failed', 'cancelled')`)
      .execute();
  }
  await db.schema
    .createIndex('promises_settled')
    .on('promises')
    .column('settled_at')
    .where(sql<boolean>`status in ('resolved', 'rejected')`)
    .execute();
  await db.schema.createIndex('promises_org_id').on('promises').columns(['org', 'id']).execute();
}
