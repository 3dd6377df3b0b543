// Migration 017: the local engine's executions keep the trace and the correlation id of the event that started them,
// so their lifecycle events continue that trace and correlation (SPEC §10) instead of starting over at each hop. Both
// null on executions made before, or started without a cause.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

export async function up(db: Kysely<unknown>, _t: ColumnTypes): Promise<void> {
  for (const table of ['workflows', 'tasks'] as const) {
    await db.schema.alterTable(table).addColumn('correlation_id', 'text').execute();
    await db.schema.alterTable(table).addColumn('traceparent', 'text').execute();
  }
}
