// Migration 019: an in-flight action names the worker that holds its lease, so the workers still alive can take back
// the leases of one that died (killed, crashed) as soon as its heartbeats stop, rather than when each lease runs out
// (60 s by default). Null for leases taken before: those still wait for their expiry.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

export async function up(db: Kysely<unknown>, _t: ColumnTypes): Promise<void> {
  await db.schema.alterTable('actions').addColumn('leased_by', 'text').execute();
}
