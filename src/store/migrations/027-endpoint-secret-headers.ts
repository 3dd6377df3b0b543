// Migration 027: an endpoint's secret headers (POST …/endpoints with secretHeaders), each value sealed like the
// auth credentials. A column of their own rather than a place inside the sealed auth: auth is null for endpoints
// without one and its blob is exactly one EndpointAuth, so fitting headers in would change what both mean. Null, as
// for every endpoint made before, means none.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

export async function up(db: Kysely<unknown>, _t: ColumnTypes): Promise<void> {
  await db.schema.alterTable('endpoints').addColumn('secret_headers', 'text').execute();
}
