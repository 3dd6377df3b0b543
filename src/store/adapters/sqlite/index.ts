// SQLite adapter: better-sqlite3 in WAL mode with synchronous=FULL, so a commit survives power loss.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteDialect, type DatabaseConnection, type Driver, type SqliteDatabase } from 'kysely';
import { migrateToLatest } from '../../migrations/index.js';
import type { Store } from '../../port.js';
import type { Database as Schema } from '../../schema.js';
import { KyselyStore } from '../../kysely/kysely-store.js';

export interface SqliteStoreOptions {
  /** File path, or ':memory:'. */
  path: string;
  migrate?: boolean;
}

export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const sqlite = new Database(options.path);
  sqlite.pragma('journal_mode = WAL');
  // FULL: WAL commits are fsynced, so an acknowledged event survives power loss (NORMAL would only survive a
  // process crash).
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Schema>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }) });
  if (options.migrate !== false) await migrateToLatest(db as Kysely<unknown>, { blob: 'blob' });
  return new KyselyStore(db, 'sqlite');
}

/**
 * Starts write transactions with BEGIN IMMEDIATE: a deferred transaction that reads and then writes can fail with
 * SQLITE_BUSY when another process (e.g. `eventhook migrate`, a second worker) wrote in between, and busy_timeout
 * cannot help it. Taking the write lock up front makes such transactions wait instead.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver();
    const begin = CompiledQuery.raw('begin immediate');
    driver.beginTransaction = async (connection: DatabaseConnection) => {
      await connection.executeQuery(begin);
    };
    return driver;
  }
}

/** Statements kept prepared; beyond this many distinct SQL texts the least recently used is dropped. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query afresh; preparing is a sizeable share of a hot path's cost (e.g. one delivery runs
 * the same few statements). Queries are built from fixed shapes, so caching statements by SQL text reuses them.
 * Safe because Kysely runs one statement at a time on SQLite's single connection and never streams ours.
 */
function withStatementCache(db: Database.Database): SqliteDatabase {
  const cache = new Map<string, Database.Statement>();
  return {
    close: () => db.close(),
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (statement) {
        cache.delete(sql);
      } else {
        statement = db.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sql, statement);
      return statement as unknown as ReturnType<SqliteDatabase['prepare']>;
    },
  };
}
