// Migration 009: partial indexes over the running workflows and tasks by lease expiry. The lease sweep (every sweep
// interval, 2 s by default) asks for running executions whose lease ran out; no index led with status or lease, so
// it read every workflow and task ever kept, twice per sweep, on the event loop's thread with SQLite.
import { sql, type Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

export async function up(db: Kysely<unknown>, _t: ColumnTypes): Promise<void> {
  for (const table of ['workflows', 'tasks'] as const) {
    await db.schema
      .createIndex(`${table}_running_lease`)
      .on(table)
      .column('lease_until')
      .where(sql<boolean>`status = 'running'`)
      .execute();
  }
}
