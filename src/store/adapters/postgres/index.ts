// PostgreSQL adapter: a pg pool behind the shared Kysely query layer; claims use FOR UPDATE SKIP LOCKED.
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from '../../migrations/index.js';
import type { Store } from '../../port.js';
import type { Database as Schema } from '../../schema.js';
import { KyselyStore } from '../../kysely/kysely-store.js';

export interface PostgresStoreOptions {
  url: string;
  poolSize?: number;
  migrate?: boolean;
}

const INT8_OID = 20;

export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  // Times are epoch milliseconds in BIGINT columns; they fit a JS number exactly, so read them as numbers.
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === INT8_OID && format !== 'binary'
        ? (v: string) => Number(v)
        : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
  };
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10, types });
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  if (options.migrate !== false) {
    const { rows } = await pool.query<{ schema: string }>('select current_schema() as schema');
    await migrateToLatest(db as Kysely<unknown>, { blob: 'bytea' }, rows[0]?.schema);
  }
  return new KyselyStore(db, 'postgres');
}
