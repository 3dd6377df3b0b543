// Migration 020 on a store that already holds causes of Flovyn executions: those rows keep their event and hops and
// read back without a correlation id or traceparent (so their lifecycle events get what they got before), and causes
// remembered after it keep both. The database is migrated only up to 019, given a cause as that release wrote it, and
// then opened, which runs 020 (and whatever comes between) on real data.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutionCauses } from '../../src/engine/adapters/flovyn/execution-causes.js';
import { mapLifecycleEvent } from '../../src/engine/adapters/flovyn/lifecycle-mapping.js';
import { openPostgresStore } from '../../src/store/adapters/postgres/index.js';
import { openSqliteStore } from '../../src/store/adapters/sqlite/index.js';
import { migrateTo } from '../../src/store/migrations/index.js';
import type { Store } from '../../src/store/port.js';
import { freshPostgresSchema, PG_CONNECT_TIMEOUT_MS } from '../helpers/services.js';
import { STORE_FACTORIES, type StoreFactory } from '../helpers/stores.js';

const BEFORE = '019-action-lease-holder';

/** A database of either kind, migrated up to 019 only, with a plain connection to it and a way to open it as a store. */
async function before020(factory: StoreFactory): Promise<{
  db: Kysely<unknown>;
  open: () => Promise<Store>;
  cleanup: () => Promise<void>;
}> {
  if (factory.name === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'eventhook-m020-'));
    const path = join(dir, 'eventhook.db');
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(path) }) });
    await migrateTo(db, { blob: 'blob' }, BEFORE);
    return {
      db,
      open: () => openSqliteStore({ path }),
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
  await migrateTo(db, { blob: 'bytea' }, BEFORE, schema);
  return {
    db,
    open: () => openPostgresStore({ url, connectionTimeoutMs: PG_CONNECT_TIMEOUT_MS }),
    cleanup: async () => {
      await db.destroy();
      await drop();
    },
  };
}

for (const factory of STORE_FACTORIES) {
  const available = await factory.available();
  describe.skipIf(!available)(`migration 020 (causes keep correlation and trace) — ${factory.name}`, () => {
    let setup: Awaited<ReturnType<typeof before020>>;

    beforeAll(async () => {
      setup = await before020(factory);
    });
    afterAll(async () => setup?.cleanup());

    it('a cause written before it reads back without either, and its events get what they got before', async () => {
      await setup.db
        .insertInto('execution_causes' as never)
        .values({ execution_id: 'wf-old', event_id: 'evt_old', hops: 2, created_at: 1_000 } as never)
        .execute();

      const store = await setup.open();
      try {
        expect(await store.executionCauses.of('wf-old')).toEqual({
          executionId: 'wf-old',
          eventId: 'evt_old',
          hops: 2,
          createdAt: 1_000,
        });
        const cause = await new ExecutionCauses(store.executionCauses, () => 2_000, 10, []).of('wf-old');
        const event = (payload: Record<string, unknown>) => {
          const mapped = mapLifecycleEvent(
            'flovyn.events.org-1.workflow.completed',
            JSON.stringify({ event_type: 'WORKFLOW_COMPLETED', workflow_execution_id: 'wf-old', ...payload }),
            new Map([['org-1', 'default']]),
            2_000,
            () => cause,
          );
          if ('skip' in mapped) throw new Error(mapped.skip);
          return mapped.event;
        };
        expect(event({})).toMatchObject({ correlationId: 'evt_old', traceparent: null, hopCount: 3 });
        expect(event({ correlation_id: 'flovyn-corr' })).toMatchObject({ correlationId: 'flovyn-corr' });

        // A cause remembered now keeps both.
        const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
        await store.executionCauses.remember({
          executionId: 'wf-new',
          eventId: 'evt_new',
          hops: 0,
          createdAt: 3_000,
          correlationId: 'order-9',
          traceparent,
        });
        expect(await store.executionCauses.of('wf-new')).toMatchObject({
          correlationId: 'order-9',
          traceparent,
        });
      } finally {
        await store.close();
      }
    });
  });
}
