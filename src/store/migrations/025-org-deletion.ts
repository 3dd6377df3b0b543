// Migration 025: an org can be deleted (DELETE /api/orgs/{org}). The row stays, marked, while its data is purged in
// batches: the slug cannot be taken again until nothing of the old tenant is left, and a restart resumes the purge.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

export async function up(db: Kysely<unknown>, _t: ColumnTypes): Promise<void> {
  await db.schema.alterTable('orgs').addColumn('deleted_at', 'bigint').execute();
}
