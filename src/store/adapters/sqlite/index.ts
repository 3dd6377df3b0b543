// SQLite adapter: better-sqlite3 in WAL mode. Commits are durable against power loss before they are reported
// done (WalFlush fsyncs the log off the event loop, after the connection is free again); Store.relaxed opts out
// for claims and leases. Ingest batches commit on a writer thread, and checkpoints run on a thread of their own.
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler, type Dialect } from 'kysely';
import { EventhookError } from '../../../core/errors.js';
import { migrateToLatest, schemaStatus } from '../../migrations/index.js';
import type { Store } from '../../port.js';
import type { Database as Schema } from '../../schema.js';
import { KyselyStore } from '../../kysely/kysely-store.js';
import { BUSY_TIMEOUT_MS, DurableSqliteDriver } from './durable-driver.js';
import { IngestWriter } from './ingest-writer.js';
import { WalCheckpointer } from './checkpointer.js';
import { WalFlush } from './wal-flush.js';
import { makeFolder } from './make-folder.js';

/**
 * Page cache sizes, in KiB. The main connection serves reads (the API's lists, the routing workers reading back what
 * was just written) and gets 32 MiB instead of SQLite's default 2.
 */
const MAIN_CACHE_KIB = 32 * 1024;
/**
 * The writer thread keeps SQLite's default on purpose. Each random idempotency key lands in a B-tree leaf of its
 * own, and when an insert splits a page SQLite renumbers pages through a placeholder page number far beyond the end
 * of the file (the 1 GiB locking page). The commit then finds a page number past the file's end in its cache and, to
 * drop it, scans the whole cache's hash table: a cost that grows with the cache, paid by nearly every ingest commit.
 * With 32 MiB it was about a tenth of the writer's time under full load; at 250,000 keys the thread spends less per
 * event with 2 MiB, reading leaves it has not cached back from the operating system (bench/store-ingest,
 * docs/benchmarks.md).
 */
const WRITER_CACHE_KIB = 2000;

/** How often the checkpointer thread copies committed pages into the database file. */
const CHECKPOINT_INTERVAL_MS = 25;

/**
 * SQLite runs DDL inside transactions; Kysely's adapter does not say so, and its migration lock does nothing. Saying
 * so makes the migrator apply all pending migrations in one BEGIN IMMEDIATE transaction: a crash mid-migration rolls
 * back whole, and a second process starting at the same moment waits for the first rather than failing on tables
 * that appeared under it.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

export interface SqliteStoreOptions {
  /** File path, or ':memory:'. */
  path: string;
  /** Migrates at open (the default); the composition root opens with false and decides through Store.schema. */
  migrate?: boolean;
  /**
   * Creates a missing file, and its folder (the default). False: a missing file throws EH_STORE_MISSING and nothing
   * is created, for a process that may not migrate: the empty database it would make could never serve, and would
   * hide a mistyped path until someone found the stray file.
   */
  create?: boolean;
  /** Log pages between automatic checkpoints (default 4,000); for benchmarks comparing thresholds. */
  walAutocheckpoint?: number;
}

/**
 * Switching a new file to WAL needs a moment of exclusive access, and SQLite does not wait for it (no busy handler
 * runs for this pragma): another process opening the same new file at that moment made it fail at once with
 * "database is locked". So it is retried for as long as busy_timeout would have waited.
 */
async function switchToWal(sqlite: Database.Database, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      sqlite.pragma('journal_mode = WAL');
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const memory = options.path === ':memory:';
  const create = options.create ?? true;
  if (!memory && !create && !existsSync(options.path)) {
    throw new EventhookError('EH_STORE_MISSING', { database: `sqlite:${options.path}` });
  }
  if (!memory && create) makeFolder(dirname(options.path));
  // fileMustExist: a file removed since the check above is an error too, not created after all.
  const sqlite = new Database(options.path, { fileMustExist: !memory && !create });
  await switchToWal(sqlite);
  // Waits for locks are the driver's, on a timer (DurableSqliteDriver); SQLite's would block the event loop.
  sqlite.pragma('busy_timeout = 0');
  const pragmas = [
    // NORMAL: a commit writes the WAL without waiting for the disk; the driver then flushes the WAL with an fsync
    // on the thread pool before the write is reported done. Checkpoints still sync as SQLite always does.
    'synchronous = NORMAL',
    'foreign_keys = ON',
    // The checkpointer thread copies committed pages every 25 ms; a connection checkpoints by itself (inside the
    // commit that takes the log past 4,000 pages) only should that thread fall behind, and then copies just what
    // it has not. After a burst that held checkpoints back, the log is cut back to 64 MiB when it restarts.
    `wal_autocheckpoint = ${options.walAutocheckpoint ?? 4000}`,
    `journal_size_limit = ${64 * 1024 * 1024}`,
  ];
  for (const pragma of pragmas) sqlite.pragma(pragma);
  sqlite.pragma(`cache_size = ${-MAIN_CACHE_KIB}`);
  const flush = memory ? null : new WalFlush(`${options.path}-wal`);
  const driver = new DurableSqliteDriver(sqlite, flush);
  const dialect: Dialect = {
    createDriver: () => driver,
    createQueryCompiler: () => new SqliteQueryCompiler(),
    createAdapter: () => new TransactionalDdlSqliteAdapter(),
    createIntrospector: (db) => new SqliteIntrospector(db),
  };
  const db = new Kysely<Schema>({ dialect });
  const schema = {
    status: () => schemaStatus(db as Kysely<unknown>, { blob: 'blob' }),
    migrate: () => migrateToLatest(db as Kysely<unknown>, { blob: 'blob' }),
  };
  if (options.migrate !== false) await schema.migrate();
  // An in-memory database is private to its connection: it has no writer thread. The thread's connection commits
  // with synchronous = FULL: its batches are durable when it answers, with no second round trip for the flush.
  const writer = memory
    ? null
    : new IngestWriter({
        path: options.path,
        pragmas: [
          `busy_timeout = ${BUSY_TIMEOUT_MS}`,
          ...pragmas,
          'synchronous = FULL',
          `cache_size = ${-WRITER_CACHE_KIB}`,
        ],
      });
  const checkpointer = memory
    ? null
    : new WalCheckpointer({ path: options.path, intervalMs: CHECKPOINT_INTERVAL_MS });
  return new KyselyStore(db, 'sqlite', schema, {
    onClose: async () => {
      await writer?.close();
      await checkpointer?.close();
      await flush?.close();
    },
    afterCommit: () => flush?.flush() ?? Promise.resolve(),
    ...(writer && { commitIngest: (plan) => writer.commit(plan) }),
  });
}
