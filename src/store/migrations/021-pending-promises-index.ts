// Migration 021: the local engine's pending promises by workflow. Cancelling a workflow rejects its pending promises
// (docs/engines.md); no index led with workflow_id, so each cancellation read every promise of the org retention
// keeps, inside the write transaction. Partial: a promise leaves it when it is settled.
import { sql, type Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

export async function up(db: Kysely<unknown>, _t: ColumnTypes): Promise<void> {
  await db.schema
    .createIndex('promises_pending_workflow')
    .on('promises')
    .column('workflow_id')
    .where(sql<boolean>`status = 'pending'`)
    .execute();
}
