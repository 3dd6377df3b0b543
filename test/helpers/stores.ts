// Store factories for contract suites: every adapter runs the same tests (STYLE §25).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPostgresStore } from '../../src/store/adapters/postgres/index.js';
import { openSqliteStore } from '../../src/store/adapters/sqlite/index.js';
import type { Store } from '../../src/store/port.js';
import { freshPostgresSchema, PG_CONNECT_TIMEOUT_MS, postgresAvailable } from './services.js';

export interface StoreFactory {
  name: 'sqlite' | 'postgres';
  /** Resolves false (after printing why) when the backend is not reachable; suites then skip. */
  available: () => Promise<boolean>;
  /** A new, empty, migrated store and a cleanup function. */
  open: () => Promise<{ store: Store; url: string; cleanup: () => Promise<void> }>;
}

export const sqliteFactory: StoreFactory = {
  name: 'sqlite',
  available: async () => true,
  open: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eventhook-test-'));
    const path = join(dir, 'eventhook.db');
    const store = await openSqliteStore({ path });
    return {
      store,
      url: `sqlite:${path}`,
      cleanup: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

export const postgresFactory: StoreFactory = {
  name: 'postgres',
  available: postgresAvailable,
  open: async () => {
    const { url, drop } = await freshPostgresSchema();
    const store = await openPostgresStore({ url, connectionTimeoutMs: PG_CONNECT_TIMEOUT_MS });
    return {
      store,
      url,
      cleanup: async () => {
        await store.close();
        await drop();
      },
    };
  },
};

export const STORE_FACTORIES: readonly StoreFactory[] = [sqliteFactory, postgresFactory];
