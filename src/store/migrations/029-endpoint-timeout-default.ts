// Migration 029: whether an endpoint follows the deployment's delivery timeout (EVENTHOOK_DELIVERY_TIMEOUT, as it is
// at each delivery) instead of a timeout of its own. A flag beside timeout_ms rather than a null or 0 in it: while a
// deployment rolls out, processes of the previous version read timeout_ms as a timeout, so the column keeps holding
// one (15 s, the built-in default) for them. 0, as for every endpoint made before, means timeout_ms is the endpoint's.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

export async function up(db: Kysely<unknown>, _t: ColumnTypes): Promise<void> {
  await db.schema
    .alterTable('endpoints')
    .addColumn('timeout_default', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}
