// Migration 005: the indexes a claim pass reads become partial indexes on exactly the actions it looks for, and
// cover the columns it filters on; the status-led indexes go. With them present, SQLite's planner (which has no
// statistics) preferred `status = ?` lookups for the due queries and sorted every waiting action: 7–9 ms a query
// behind a backlog of 50,000 (bench/backlog.ts). Now the due queries read one partial index in due order, and
// leaving out a saturated endpoint costs no row lookups: org and endpoint are in the index entries. A third
// partial index holds each endpoint's waiting actions in due order, so the due work of one lane (an endpoint, or
// the actions of no endpoint) is a short range read however deep other lanes' backlogs are.
import { sql, type Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

export async function up(db: Kysely<unknown>, _t: ColumnTypes): Promise<void> {
  await db.schema.dropIndex('actions_due').execute();
  await db.schema.dropIndex('actions_waiting_due').execute();
  await db.schema.dropIndex('actions_lease').execute();
  await db.schema
    .createIndex('actions_waiting_due_lane')
    .on('actions')
    .columns(['next_attempt_at', 'org', 'endpoint'])
    .where(sql<boolean>`status in ('pending', 'failed')`)
    .execute();
  await db.schema
    .createIndex('actions_waiting_by_lane')
    .on('actions')
    .columns(['org', 'endpoint', 'next_attempt_at'])
    .where(sql<boolean>`status in ('pending', 'failed')`)
    .execute();
  await db.schema
    .createIndex('actions_leased_lane')
    .on('actions')
    .columns(['lease_until', 'org', 'endpoint'])
    .where(sql<boolean>`status = 'in_flight'`)
    .execute();
}
