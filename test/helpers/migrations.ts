// The migrations this version ships, read from the files in src/store/migrations rather than from the registry the
// code under test uses: a migration file left out of index.ts fails the tests that expect it applied.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { openPostgresStore } from '../../src/store/adapters/postgres/index.js';
import { openSqliteStore } from '../../src/store/adapters/sqlite/index.js';
import { migrateTo } from '../../src/store/migrations/index.js';
import type { Store } from '../../src/store/port.js';
import { freshPostgresSchema, PG_CONNECT_TIMEOUT_MS } from './services.js';
import type { StoreFactory } from './stores.js';

const DIR = new URL('../../src/store/migrations/', import.meta.url);

/** Every migration's name (its file name without `.ts`), in the order they apply. */
export const MIGRATIONS: readonly string[] = readdirSync(DIR)
  .filter((f) => /^\d{3}-[a-z0-9-]+\.ts$/.test(f))
  .map((f) => f.slice(0, -'.ts'.length))
  .sort();

if (MIGRATIONS.length < 2)
  throw new Error(`expected migrations in ${DIR.pathname}, found ${MIGRATIONS.length}`);

/** The newest migration, and the one before it (a database an older release left). */
export const LATEST = MIGRATIONS.at(-1)!;
export const BEFORE_LATEST = MIGRATIONS.at(-2)!;

/** A database left by an older release, for testing a migration on real data. */
export interface OlderDatabase {
  /** A plain connection, to write rows as that release wrote them. */
  db: Kysely<unknown>;
  /** Opens it as a store: migrating it to the latest unless `migrate` is false. */
  open: (migrate?: boolean) => Promise<Store>;
  cleanup: () => Promise<void>;
}

/** A new database of the factory's kind, migrated up to `last` (a migration's name) only. */
export async function migratedUpTo(factory: StoreFactory, last: string): Promise<OlderDatabase> {
  if (factory.name === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), `eventhook-${last.slice(0, 3)}-`));
    const path = join(dir, 'eventhook.db');
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(path) }) });
    await migrateTo(db, { blob: 'blob' }, last);
    return {
      db,
      open: (migrate = true) => openSqliteStore({ path, migrate }),
      cleanup: async () => {
        await db.destroy();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const { url, schema, drop } = await freshPostgresSchema();
  const db = new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }),
  });
  await migrateTo(db, { blob: 'bytea' }, last, schema);
  return {
    db,
    open: (migrate = true) => openPostgresStore({ url, migrate, connectionTimeoutMs: PG_CONNECT_TIMEOUT_MS }),
    cleanup: async () => {
      await db.destroy();
      await drop();
    },
  };
}

/** Writes org `acme` and its endpoint `crm` as the releases of migrations 003 to 026 wrote them, with `over` set. */
export async function insertOlderEndpoint(
  db: Kysely<unknown>,
  over: Record<string, unknown> = {},
): Promise<void> {
  await db
    .insertInto('orgs' as never)
    .values({ slug: 'acme', name: 'acme', created_at: 1 } as never)
    .execute();
  await db
    .insertInto('endpoints' as never)
    .values({
      id: 'ep_01J0000000000000000000000A',
      org: 'acme',
      slug: 'crm',
      description: '',
      url: 'https://example.com/hooks',
      headers: '{}',
      auth: null,
      secrets: '[]',
      header_style: 'webhook',
      timeout_ms: 15000,
      rate_limit: null,
      max_concurrency: null,
      ordering: 'none',
      ordering_key: null,
      retry: null,
      status: 'active',
      breaker: null,
      disabled_reason: null,
      created_at: 1_000,
      updated_at: 1_000,
      deleted_at: null,
      ...over,
    } as never)
    .execute();
}
