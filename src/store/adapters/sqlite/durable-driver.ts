// The Kysely driver for better-sqlite3: one connection, BEGIN IMMEDIATE transactions, a prepared-statement cache,
// and durability through WalFlush. A single write outside a transaction is flushed before it is reported done;
// transactions are flushed by KyselyStore after they release the connection (StoreHooks.afterCommit).
import type Database from 'better-sqlite3';
import { CompiledQuery, type DatabaseConnection, type Driver, type QueryResult } from 'kysely';
import { refuseNulText } from '../../nul-text.js';
import { storeTimeout, storeUnavailable } from '../../store-outage.js';
import type { WalFlush } from './wal-flush.js';

/** Statements kept prepared; beyond this many distinct SQL texts the least recently used is dropped. */
const STATEMENT_CACHE_SIZE = 500;
/** How long a statement waits for a lock held by another connection before it fails with SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;
const MAX_BUSY_DELAY_MS = 16;

/**
 * SQLITE_BUSY past the busy wait: another connection (another process, a backup, a sqlite3 shell, this process's
 * ingest writer) held the write lock all along. The database is busy, not broken, and nothing was written: the caller
 * is told to come back (EH_STORE_TIMEOUT, 503 with Retry-After, as a PostgreSQL statement that waits too long for a
 * lock), and the log names the lock and the statement.
 */
export function lockedTooLong(statement: string, cause: unknown): Error {
  return storeTimeout(
    `the SQLite database stayed locked by another connection for over ${BUSY_TIMEOUT_MS} ms`,
    statement,
    cause,
  );
}

/**
 * SQLITE_FULL: the disk (or the file system's quota) has no room for the log or the database to grow. The statement
 * wrote nothing and will succeed once room is made, so the caller is told to come back (EH_STORE_UNAVAILABLE, 503
 * with Retry-After) and an action's target waits rather than using an attempt: a full disk must not make actions dead.
 */
export function diskFull(statement: string, cause: unknown): Error {
  return storeUnavailable('the disk holding the SQLite database is full', cause, statement);
}

export class DurableSqliteDriver implements Driver {
  private readonly connection: DurableConnection;
  private queue: Promise<void> = Promise.resolve();

  constructor(db: Database.Database, flush: WalFlush | null) {
    this.connection = new DurableConnection(db, flush, () => this.turn());
  }

  async init(): Promise<void> {}

  /** SQLite has one connection: callers take turns. */
  async acquireConnection(): Promise<DatabaseConnection> {
    this.connection.release = await this.turn();
    return this.connection;
  }

  /** Waits for a turn on the connection; resolves with the function that ends it. */
  private turn(): Promise<() => void> {
    let release!: () => void;
    const previous = this.queue;
    this.queue = new Promise((r) => (release = r));
    return previous.then(() => release);
  }

  async releaseConnection(): Promise<void> {
    this.connection.release?.();
  }

  /**
   * BEGIN IMMEDIATE: a deferred transaction that reads and then writes can fail with SQLITE_BUSY when another
   * process (e.g. `eventhook migrate`, a second worker) wrote in between, and busy_timeout cannot help it.
   * Taking the write lock up front makes such transactions wait instead.
   */
  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    this.connection.inTransaction = true;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    this.connection.inTransaction = false;
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    this.connection.inTransaction = false;
    // SQLite may have rolled back already (it does on SQLITE_FULL, among others); a ROLLBACK then fails, and its
    // error would replace the one that says why.
    if (!this.connection.transactionOpen) return;
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async destroy(): Promise<void> {
    this.connection.close();
  }
}

class DurableConnection implements DatabaseConnection {
  release: (() => void) | undefined;
  inTransaction = false;

  /** Whether SQLite itself has a transaction open on the connection (it ends one on some errors). */
  get transactionOpen(): boolean {
    return this.db.inTransaction;
  }
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    private readonly db: Database.Database,
    private readonly flush: WalFlush | null,
    private readonly turn: () => Promise<() => void>,
  ) {}

  /**
   * The connection's busy_timeout is 0: SQLite's own wait for a lock held elsewhere (the ingest writer thread,
   * another process) sleeps on the event loop. Here the wait is a timer instead, and other work goes on.
   * Inside a transaction (begun IMMEDIATE, so holding the write lock) a statement never waits for one.
   */
  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    for (let delay = 1, deadline = 0; ; delay = Math.min(delay * 2, MAX_BUSY_DELAY_MS)) {
      try {
        return await this.execute<R>(compiled);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'SQLITE_FULL') throw diskFull(compiled.sql, err);
        if (code !== 'SQLITE_BUSY' || this.inTransaction) throw err;
        deadline ||= Date.now() + BUSY_TIMEOUT_MS;
        if (Date.now() + delay > deadline) throw lockedTooLong(compiled.sql, err);
        await this.giveWay(delay);
      }
    }
  }

  /**
   * Lends the connection to the callers queued behind this one while it waits for the lock: reads need no lock in
   * WAL mode, and the API's reads must not stall for as long as another process holds the write lock. This caller
   * holds nothing yet (its BEGIN or its single statement failed), so whatever runs meanwhile cannot interleave with
   * it; it then queues for a turn again.
   */
  private async giveWay(ms: number): Promise<void> {
    this.release?.();
    await new Promise((resolve) => setTimeout(resolve, ms));
    this.release = await this.turn();
  }

  private async execute<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const parameters = compiled.parameters as unknown[];
    // As on PostgreSQL, which cannot store it: the caller's text with NUL is a 400 on either store.
    refuseNulText(parameters);
    const statement = this.prepare(compiled.sql);
    if (statement.reader) {
      const rows = statement.all(parameters) as R[];
      // A write with RETURNING is a reader too: outside a transaction it committed on its own.
      if (!this.inTransaction && isWrite(compiled.sql)) await this.flushWal();
      return { rows };
    }
    const { changes, lastInsertRowid } = statement.run(parameters);
    // sqlite3_changes() keeps the count of the last DML statement, so BEGIN and COMMIT must not be mistaken for writes.
    if (!this.inTransaction && changes > 0 && isWrite(compiled.sql)) await this.flushWal();
    return {
      numAffectedRows: BigInt(changes),
      insertId: lastInsertRowid === undefined ? undefined : BigInt(lastInsertRowid),
      rows: [],
    };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not used by Eventhook');
  }

  flushWal(): Promise<void> {
    return this.flush?.flush() ?? Promise.resolve();
  }

  close(): void {
    this.statements.clear();
    this.db.close();
  }

  /**
   * Kysely prepares every query afresh; preparing is a sizeable share of a hot path's cost. Queries are built
   * from fixed shapes, so statements are cached by SQL text (one statement runs at a time on this connection).
   */
  private prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement) {
      this.statements.delete(sql);
    } else {
      statement = this.db.prepare(sql);
      if (this.statements.size >= STATEMENT_CACHE_SIZE)
        this.statements.delete(this.statements.keys().next().value as string);
    }
    this.statements.set(sql, statement);
    return statement;
  }
}

function isWrite(sql: string): boolean {
  return /^\s*(insert|update|delete|replace)\b/i.test(sql);
}
