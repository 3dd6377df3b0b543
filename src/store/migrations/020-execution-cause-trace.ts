// Migration 020: the cause of an execution started on an external engine (Flovyn) keeps the causing event's
// correlation id and traceparent, as the local engine's executions keep them (migration 017), so the execution's
// lifecycle events continue that correlation and trace instead of Flovyn's. Both null on causes recorded before: their
// events keep the correlation they had (Flovyn's, or else the causing event's id) and no trace.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

export async function up(db: Kysely<unknown>, _t: ColumnTypes): Promise<void> {
  await db.schema.alterTable('execution_causes').addColumn('correlation_id', 'text').execute();
  await db.schema.alterTable('execution_causes').addColumn('traceparent', 'text').execute();
}
