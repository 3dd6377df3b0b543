// Migration 011: the dead letters of each org in id order, for the org's dead-letter queue (GET /actions?status=dead
// and the bulk retry, which pages through it). No index led with (org, status), so both walked the org's actions
// newest first (actions_org_id) and filtered on status: a page of old dead letters under a long delivery history
// read that whole history, and a bulk retry read it to the end at least once, to learn that no page followed.
// Partial: an action enters it only when it dies and leaves when retried, so deliveries that succeed never touch it.
import { sql, type Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

export async function up(db: Kysely<unknown>, _t: ColumnTypes): Promise<void> {
  await db.schema
    .createIndex('actions_dead')
    .on('actions')
    .columns(['org', 'id'])
    .where(sql<boolean>`status = 'dead'`)
    .execute();
}
