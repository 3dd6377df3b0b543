// Migration 008 on a store that already holds attempts: those of the health window are given their endpoint (and so
// show in its health at once), older ones keep none. The store is opened, filled, put back to how it was before the
// migration through a plain connection, and opened again, which runs the migration on real data.
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.js';
import { openPostgresStore } from '../../src/store/adapters/postgres/index.js';
import { openSqliteStore } from '../../src/store/adapters/sqlite/index.js';
import type { Store } from '../../src/store/port.js';
import type { AttemptRecord } from '../../src/store/records.js';
import { newAction } from '../helpers/records.js';
import { STORE_FACTORIES, type StoreFactory } from '../helpers/stores.js';

// Migrations run in order only, so the later ones are undone too (and run again after 008).
const UNDO_008 = [
  'drop index actions_org_rule',
  "delete from eventhook_migrations where name = '012-actions-by-rule-index'",
  'drop index actions_dead',
  "delete from eventhook_migrations where name = '011-dead-letters-index'",
  'drop table workers',
  "delete from eventhook_migrations where name = '010-workers'",
  'drop index workflows_running_lease',
  'drop index tasks_running_lease',
  "delete from eventhook_migrations where name = '009-running-lease-index'",
  'drop index attempts_endpoint_started',
  'alter table attempts drop column endpoint',
  "delete from eventhook_migrations where name = '008-attempt-endpoint'",
];

async function undoMigration(factory: StoreFactory, url: string): Promise<void> {
  if (factory.name === 'sqlite') {
    const db = new Database(url.slice('sqlite:'.length));
    for (const statement of UNDO_008) db.exec(statement);
    db.close();
    return;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  for (const statement of UNDO_008) await client.query(statement);
  await client.end();
}

const reopen = (factory: StoreFactory, url: string): Promise<Store> =>
  factory.name === 'sqlite'
    ? openSqliteStore({ path: url.slice('sqlite:'.length) })
    : openPostgresStore({ url });

for (const factory of STORE_FACTORIES) {
  const available = await factory.available();
  describe.skipIf(!available)(`migration 008 (attempts name their endpoint) — ${factory.name}`, () => {
    let store: Store;
    let url: string;
    let cleanup: () => Promise<void>;

    beforeAll(async () => {
      ({ store, url, cleanup } = await factory.open());
    });
    afterAll(async () => cleanup?.());

    it('gives the attempts of the health window their endpoint, and they are sampled for its health', async () => {
      const now = Date.now();
      const action = newAction('default', { type: 'webhook', endpoint: 'orders' }, { nextAttemptAt: now });
      await store.actions.insertMany([action], now);
      const attempt = (number: number, startedAt: number): AttemptRecord => ({
        id: newId('attempt'),
        actionId: action.id,
        org: 'default',
        number,
        startedAt,
        latencyMs: number,
        outcome: 'failed',
        statusCode: 500,
        request: null,
        responseHeaders: null,
        responseBody: null,
        error: 'HTTP 500',
        endpoint: 'orders',
      });
      const old = attempt(1, now - 3 * 24 * 3_600_000);
      const recent = attempt(2, now - 60_000);
      for (const a of [old, recent]) await store.attempts.insert(a);

      await undoMigration(factory, url);
      const migrated = await reopen(factory, url);
      try {
        const byId = new Map(
          (await migrated.attempts.listByAction('default', action.id)).map((a) => [a.id, a]),
        );
        expect(byId.get(recent.id)?.endpoint).toBe('orders');
        expect(byId.get(old.id)?.endpoint).toBeNull();
        expect(
          await migrated.attempts.recentForEndpoint('default', 'orders', now - 24 * 3_600_000, 10),
        ).toEqual([{ startedAt: recent.startedAt, latencyMs: 2, outcome: 'failed', statusCode: 500 }]);
      } finally {
        await migrated.close();
      }
    });
  });
}
