// Migration 007: a partial index over each endpoint's unfinished actions in id order, for the FIFO question "what is
// the newest unfinished message ahead of this one?". Through (org, endpoint, status, id) the answer needs one range
// per status and a sort, and PostgreSQL's planner, its statistics behind a burst, read the endpoint's range by id and
// filtered on status instead: every finished message of the endpoint's history, 6 ms a question after 6,000
// deliveries, asked for every message of a burst (bench/fifo with BENCH_DATABASE_URL). Here the answer is the first
// entry below the message's id. Waking a lane's oldest waiter reads the same index: SQLite had walked the org's
// actions in id order (actions_org_id), its whole history, to find it.
import { sql, type Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

export async function up(db: Kysely<unknown>, _t: ColumnTypes): Promise<void> {
  await db.schema
    .createIndex('actions_unfinished_lane')
    .on('actions')
    .columns(['org', 'endpoint', 'id'])
    .where(sql<boolean>`status in ('pending', 'in_flight', 'failed') and endpoint is not null`)
    .execute();
}
