// PostgreSQL adapter: a pg pool behind the shared Kysely query layer; claims use FOR UPDATE SKIP LOCKED.
import { Kysely } from 'kysely';
import { SchemaScopedPostgresDialect } from './schema-dialect.js';
import pg from 'pg';
import { EventhookError } from '../../../core/errors.js';
import { migrateToLatest, schemaStatus } from '../../migrations/index.js';
import type { Store } from '../../port.js';
import type { Database as Schema } from '../../schema.js';
import { KyselyStore } from '../../kysely/kysely-store.js';
import { dropBrokenConnections } from './drop-broken-connections.js';

export interface PostgresStoreOptions {
  url: string;
  poolSize?: number;
  /** Migrates at open (the default); the composition root opens with false and decides through Store.schema. */
  migrate?: boolean;
  /**
   * Told when a pooled connection breaks (the server restarted, an admin ended the backend, the network dropped).
   * The pool has already dropped that connection and opens a new one on next use; this is for the log.
   */
  onConnectionError?: (err: Error) => void;
  /**
   * How long taking a connection from the pool may wait (to connect, or for a free one) before it fails, so a
   * database that cannot be reached fails, not hangs: EVENTHOOK_PG_CONNECT_TIMEOUT, whose default is the one default.
   */
  connectionTimeoutMs: number;
  /**
   * PostgreSQL's statement_timeout: the server cancels a statement that runs longer. The client also stops waiting
   * for an answer QUERY_TIMEOUT_GRACE_MS later and drops the connection: a stalled network or server never answers,
   * and the server's own timeout cannot reach the client then. 0 or unset: neither (migrations never have them).
   */
  statementTimeoutMs?: number;
  /**
   * The migrating session's lock_timeout (EVENTHOOK_MIGRATE_LOCK_TIMEOUT): a migration waiting longer for a lock
   * another session holds fails with EH_STORE_MIGRATION_LOCKED. 0 or unset: it waits for ever.
   */
  migrateLockTimeoutMs?: number;
}

/**
 * How much longer than statement_timeout the client waits for an answer: long enough for the server's cancellation to
 * arrive first, which leaves the connection usable, when the server and the network still answer.
 */
const QUERY_TIMEOUT_GRACE_MS = 1_000;

const INT8_OID = 20;

/** SQLSTATE 55P03: a lock wait ran out (lock_timeout). */
const LOCK_NOT_AVAILABLE = '55P03';

export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  // Times are epoch milliseconds in BIGINT columns; they fit a JS number exactly, so read them as numbers.
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === INT8_OID && format !== 'binary'
        ? (v: string) => Number(v)
        : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
  };
  const connectionTimeoutMillis = options.connectionTimeoutMs;
  const statementTimeout = options.statementTimeoutMs ?? 0;
  const answerTimeout = statementTimeout > 0 ? statementTimeout + QUERY_TIMEOUT_GRACE_MS : 0;
  const onConnectionError = options.onConnectionError ?? (() => {});
  const lockTimeout = options.migrateLockTimeoutMs ?? 0;
  const pool = listened(
    new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis,
      // Sent when each connection starts (no extra round trip); 0 leaves the server's own setting.
      ...(statementTimeout > 0 && { statement_timeout: statementTimeout, query_timeout: answerTimeout }),
      types,
    }),
    onConnectionError,
  );
  const db = new Kysely<Schema>({
    dialect: new SchemaScopedPostgresDialect({
      pool: dropBrokenConnections(pool, {
        statementTimeoutMs: statementTimeout,
        answerTimeoutMs: answerTimeout,
        connectTimeoutMs: connectionTimeoutMillis,
      }),
    }),
  });
  // The schema the connection URL's search_path chose, which the migrations' bookkeeping tables are pinned to.
  let currentSchema: Promise<string | undefined> | undefined;
  const schemaName = () =>
    (currentSchema ??= pool.query<{ schema: string }>('select current_schema() as schema').then(
      ({ rows }) => rows[0]?.schema,
      (err: unknown) => {
        currentSchema = undefined;
        throw err;
      },
    ));
  const schema = {
    status: async () => schemaStatus(db as Kysely<unknown>, { blob: 'bytea' }, await schemaName()),
    migrate: async () => {
      // On a connection of its own, without the statement timeouts: building an index on a large table may take
      // minutes. A wait for a lock, though, is bounded: a transaction left open elsewhere would hold start up for
      // ever. Waiting for another process's migrations to finish is not such a wait: Kysely takes its advisory lock
      // with a lock_timeout of its own (an hour) for that one statement.
      const own = listened(
        new pg.Pool({
          connectionString: options.url,
          max: 1,
          connectionTimeoutMillis,
          types,
          ...(lockTimeout > 0 && { lock_timeout: lockTimeout }),
        }),
        onConnectionError,
      );
      const migrator = new Kysely<unknown>({ dialect: new SchemaScopedPostgresDialect({ pool: own }) });
      try {
        return await migrateToLatest(migrator, { blob: 'bytea' }, await schemaName());
      } catch (err) {
        if ((err as { code?: unknown }).code !== LOCK_NOT_AVAILABLE) throw err;
        throw new EventhookError(
          'EH_STORE_MIGRATION_LOCKED',
          {
            migration: (err as { migration?: string }).migration ?? 'bookkeeping (eventhook_migrations)',
            timeoutMs: lockTimeout,
          },
          { cause: err },
        );
      } finally {
        await migrator.destroy();
      }
    },
  };
  if (options.migrate !== false) await schema.migrate();
  return new KyselyStore(db, 'postgres', schema);
}

/**
 * A connection that breaks emits 'error'; with no listener Node throws it and the whole process dies. Every client
 * gets its own listener, so this also covers one checked out between two statements (the pool listens only to idle
 * ones). The pool discards a broken client, idle or on release, and connects anew on next use.
 */
function listened(pool: pg.Pool, onConnectionError: (err: Error) => void): pg.Pool {
  pool.on('connect', (client) => {
    client.on('error', (err) => onConnectionError(err));
  });
  // The pool re-emits an idle client's error; its client listener above has already reported it.
  pool.on('error', () => {});
  return pool;
}
