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
  /**
   * Told when a pooled connection breaks (the server restarted, an admin ended the backend, the network dropped).
   * The pool has already dropped that connection and opens a new one on next use; this is for the log.
   */
  onConnectionError?: (err: Error) => void;
  /** How long taking a connection from the pool may wait (to connect, or for a free one) before it fails. */
  connectionTimeoutMs?: number;
}

/** Taking a connection waits at most this long by default: a database that cannot be reached fails, not hangs. */
export const DEFAULT_CONNECTION_TIMEOUT_MS = 5_000;

const INT8_OID = 20;

export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  // Times are epoch milliseconds in BIGINT columns; they fit a JS number exactly, so read them as numbers.
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === INT8_OID && format !== 'binary'
        ? (v: string) => Number(v)
        : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
  };
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
    types,
  });
  // A connection that breaks emits 'error'; with no listener Node throws it and the whole process dies. Every
  // client gets its own listener, so this also covers one checked out between two statements (the pool listens
  // only to idle ones). The pool discards a broken client, idle or on release, and connects anew on next use.
  const onConnectionError = options.onConnectionError ?? (() => {});
  pool.on('connect', (client) => {
    client.on('error', (err) => onConnectionError(err));
  });
  // The pool re-emits an idle client's error; its client listener above has already reported it.
  pool.on('error', () => {});
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  if (options.migrate !== false) {
    const { rows } = await pool.query<{ schema: string }>('select current_schema() as schema');
    await migrateToLatest(db as Kysely<unknown>, { blob: 'bytea' }, rows[0]?.schema);
  }
  return new KyselyStore(db, 'postgres');
}
