// Migration 018: a workflow counts its expired leases, so the lease sweep can bound them as a task's maxRetries bounds
// its executions (a workflow whose worker always crashes used to go back to its queue for ever). 0 on workflows made
// before: their past expiries were not counted.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

export async function up(db: Kysely<unknown>, _t: ColumnTypes): Promise<void> {
  await db.schema
    .alterTable('workflows')
    .addColumn('lease_expiries', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}
