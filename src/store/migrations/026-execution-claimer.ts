// Migration 026: a running execution names the API key that claimed it (its id, or `operator` for the operator
// token), so only that key may heartbeat, complete or fail it: the workerId in the body is the client's own choice,
// and any other worker key of the org could send the same one. Null on executions claimed before: those still answer
// whoever sends their workerId, as they did, until they are claimed again.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

export async function up(db: Kysely<unknown>, _t: ColumnTypes): Promise<void> {
  for (const table of ['workflows', 'tasks'] as const) {
    await db.schema.alterTable(table).addColumn('claimed_by', 'text').execute();
  }
}
