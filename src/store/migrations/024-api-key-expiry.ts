// Migration 024: an API key may expire (POST …/api-keys with expiresAt): a key for a CI job or a contractor stops
// working on its own. Null, as for every key made before, never expires.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from './types.js';

export async function up(db: Kysely<unknown>, _t: ColumnTypes): Promise<void> {
  await db.schema.alterTable('api_keys').addColumn('expires_at', 'bigint').execute();
}
