// Store.schema on every adapter (STYLE §25), through prepareSchema as processes use it: what a database lacks, what
// it has that this version does not know, and that `off` changes nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventhookError } from '../../src/core/errors.js';
import { openPostgresStore } from '../../src/store/adapters/postgres/index.js';
import { openSqliteStore } from '../../src/store/adapters/sqlite/index.js';
import type { Store } from '../../src/store/port.js';
import { prepareSchema } from '../../src/store/prepare-schema.js';
import { LATEST, MIGRATIONS } from '../helpers/migrations.js';
import { freshPostgresSchema, PG_CONNECT_TIMEOUT_MS, postgresAvailable } from '../helpers/services.js';

/** An empty database opened without migrating, and its cleanup. */
const UNMIGRATED: Record<string, () => Promise<{ store: Store; cleanup: () => Promise<void> }>> = {
  sqlite: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eventhook-schema-'));
    const store = await openSqliteStore({ path: join(dir, 'eventhook.db'), migrate: false });
    return { store, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  },
  postgres: async () => {
    const { url, drop } = await freshPostgresSchema();
    return {
      store: await openPostgresStore({ url, migrate: false, connectionTimeoutMs: PG_CONNECT_TIMEOUT_MS }),
      cleanup: drop,
    };
  },
};

describe.each(Object.keys(UNMIGRATED))('Store.schema on %s', (backend) => {
  it('lists what an empty database lacks; off refuses it unchanged, auto applies it all', async (ctx) => {
    if (backend === 'postgres' && !(await postgresAvailable()))
      ctx.skip('PostgreSQL is not reachable (EVENTHOOK_TEST_POSTGRES_URL)');
    const { store, cleanup } = await UNMIGRATED[backend]!();
    try {
      const fresh = await store.schema.status();
      expect(fresh).toEqual({ pending: MIGRATIONS, unknown: [] });

      const refused = await prepareSchema(store, 'off').catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(EventhookError);
      expect((refused as EventhookError).code).toBe('EH_STORE_SCHEMA_BEHIND');
      expect((refused as EventhookError).message).toContain(
        `lacks ${MIGRATIONS.length} of the migrations this version needs (${MIGRATIONS[0]} to ${LATEST})`,
      );
      expect(await store.schema.status()).toEqual(fresh);

      expect(await prepareSchema(store, 'auto')).toEqual(fresh.pending);
      expect(await store.schema.status()).toEqual({ pending: [], unknown: [] });
      expect(await prepareSchema(store, 'off')).toEqual([]);
      expect(await store.schema.migrate()).toEqual([]);
    } finally {
      await store.close();
      await cleanup();
    }
  });
});
