// A migration waiting for a lock another PostgreSQL session holds gives up after EVENTHOOK_MIGRATE_LOCK_TIMEOUT and
// start fails naming the wait, instead of hanging for ever behind, say, a transaction left open in psql.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { EventhookError } from '../../src/core/errors.js';
import { migrateTo } from '../../src/store/migrations/index.js';
import { BEFORE_LATEST, LATEST } from '../helpers/migrations.js';
import { freshPostgresSchema, postgresAvailable } from '../helpers/services.js';

const available = await postgresAvailable();

/** Resolves once some session waits for a lock on `table` (a migration has reached it). */
async function waitForLockWait(client: pg.Client, table: string): Promise<void> {
  for (;;) {
    const { rows } = await client.query(
      `select 1 from pg_locks l join pg_class c on c.oid = l.relation
        where c.relname = $1 and c.relnamespace = current_schema()::regnamespace and not l.granted`,
      [table],
    );
    if (rows.length > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.skipIf(!available)('migrating behind a lock another session holds — postgres', () => {
  let url: string;
  let schema: string;
  let drop: () => Promise<void>;
  let dataDir: string;
  beforeAll(async () => {
    ({ url, schema, drop } = await freshPostgresSchema());
    dataDir = mkdtempSync(join(tmpdir(), 'eventhook-migrate-lock-'));
    // A database an older release left: one migration to go.
    const db = new Kysely<unknown>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }),
    });
    await migrateTo(db, { blob: 'bytea' }, BEFORE_LATEST as never, schema);
    await db.destroy();
  });
  afterAll(async () => {
    await drop?.();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const config = (env: Record<string, string> = {}) =>
    loadConfig({ EVENTHOOK_DATA_DIR: dataDir, EVENTHOOK_DATABASE_URL: url, ...env }, { cwd: dataDir });

  it('waits a minute by default', () => {
    expect(config().migrateLockTimeoutMs).toBe(60_000);
    expect(config({ EVENTHOOK_MIGRATE_LOCK_TIMEOUT: '0' }).migrateLockTimeoutMs).toBe(0);
  });

  it('fails start once the lock wait runs out, naming the migration, and starts once the lock is gone', async () => {
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      // Every migration records itself in the bookkeeping table in its transaction: a session holding a lock there
      // that conflicts with that insert holds up whichever migration is pending, whatever it does to the schema.
      await other.query('begin');
      await other.query('lock table eventhook_migrations in share mode');

      const started = Date.now();
      const failed = await openStore(config({ EVENTHOOK_MIGRATE_LOCK_TIMEOUT: '500ms' })).catch(
        (err: unknown) => err,
      );
      expect(failed).toBeInstanceOf(EventhookError);
      expect((failed as EventhookError).code).toBe('EH_STORE_MIGRATION_LOCKED');
      expect((failed as EventhookError).message).toBe(
        `Migration ${LATEST} waited longer than 500 ms (EVENTHOOK_MIGRATE_LOCK_TIMEOUT) for a lock another database session holds, and was rolled back: end that session (look in pg_locks and pg_stat_activity for a long transaction, or one left open), then start again`,
      );
      expect(Date.now() - started).toBeLessThan(10_000);

      // Waiting for another process's migrations is not such a wait: a process migrating (held up here, with no
      // timeout) keeps a second one waiting longer than its timeout, and the second then finds nothing left to do.
      const first = openStore(config({ EVENTHOOK_MIGRATE_LOCK_TIMEOUT: '0' }));
      await waitForLockWait(other, 'eventhook_migrations');
      const second = openStore(config({ EVENTHOOK_MIGRATE_LOCK_TIMEOUT: '500ms' }));
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await other.query('rollback');
      const [a, b] = await Promise.all([first, second]);
      expect(a.migrated).toEqual([LATEST]);
      expect(b.migrated).toEqual([]);
      await a.store.close();
      await b.store.close();
    } finally {
      await other.end();
    }
  });
});
