// Migration 008: an attempt names its endpoint, and an index holds each endpoint's attempts by start time. An
// endpoint's health (GET /endpoints/{endpoint}) samples its latest attempts of the last 24 hours; found through the
// endpoint's actions, that read every action the endpoint ever had and looked up its attempts: 200–330 ms after
// 200,000 deliveries on SQLite, growing with history until retention prunes it. Attempts of the health window are
// given their endpoint here; older ones are never read for health, and keep none.
import { sql, type Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

/** The health window when this migration was written (a migration never changes once shipped). */
const HEALTH_WINDOW_MS = 24 * 3_600_000;

export async function up(db: Kysely<unknown>, _t: ColumnTypes): Promise<void> {
  await db.schema.alterTable('attempts').addColumn('endpoint', 'text').execute();
  await sql`update attempts set endpoint = (select a.endpoint from actions a where a.id = attempts.action_id)
    where started_at >= ${Date.now() - HEALTH_WINDOW_MS}`.execute(db);
  await db.schema
    .createIndex('attempts_endpoint_started')
    .on('attempts')
    .columns(['org', 'endpoint', 'started_at'])
    .where(sql.ref('endpoint'), 'is not', null)
    .execute();
}
