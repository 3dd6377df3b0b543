// Retention of idempotency keys: the keys that expired before the cutoff go in batches, like events, and none that
// expires at or after it. One statement for an hour's keys held SQLite's write lock for seconds (a million keys: 6 s,
// ingest answered 503 meanwhile) and outlasted PostgreSQL's statement_timeout, failing every hour from then on while
// the table grew; here a store whose statements may run 100 ms prunes 400,000 keys.
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/adapters/postgres/index.js';
import type { Store } from '../../src/store/port.js';
import { PG_CONNECT_TIMEOUT_MS } from '../helpers/services.js';
import { STORE_FACTORIES } from '../helpers/stores.js';

const T0 = Date.UTC(2026, 0, 1);

/** Runs one statement on the store's database through a connection of its own (as another process would). */
async function execute(url: string, statement: string): Promise<void> {
  if (url.startsWith('sqlite:')) {
    const db = new Database(url.slice('sqlite:'.length));
    try {
      db.exec(statement);
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

async function keysLeft(url: string): Promise<number[]> {
  if (url.startsWith('sqlite:')) {
    const db = new Database(url.slice('sqlite:'.length), { readonly: true });
    try {
      const rows = db.prepare('select expires_at from idempotency_keys order by expires_at').all();
      return (rows as { expires_at: number }[]).map((r) => Number(r.expires_at));
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query('select expires_at from idempotency_keys order by expires_at');
    return rows.map((r: { expires_at: string }) => Number(r.expires_at));
  } finally {
    await client.end();
  }
}

for (const factory of STORE_FACTORIES) {
  const available = await factory.available();
  describe.skipIf(!available)(`retention of idempotency keys — ${factory.name}`, { timeout: 120_000 }, () => {
    let store: Store;
    let url: string;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, url, cleanup } = await factory.open());
    });
    afterAll(async () => cleanup?.());

    it('prunes in batches every key that expired before the cutoff, and none expiring at it or later', async () => {
      const cutoff = T0 + 1_000_000;
      // Three keys share an expiry at a batch's edge; they go together.
      const expired = [1, 2, 3, 500, 500, 500, 999_999].map((d) => T0 + d);
      const kept = [cutoff, cutoff, cutoff + 1];
      const values = [...expired, ...kept]
        .map((at, i) => `('src_retention', 'key-${i}', 'evt_retention_${i}', ${at})`)
        .join(', ');
      await execute(
        url,
        `insert into idempotency_keys (source_id, key, event_id, expires_at) values ${values}`,
      );
      await store.events.prune(cutoff, 2);
      expect(await keysLeft(url)).toEqual(kept);
      await execute(url, 'delete from idempotency_keys');
    });

    it.skipIf(factory.name !== 'postgres')(
      'prunes 400,000 expired keys with statements that may run only 100 ms each',
      async () => {
        await execute(
          url,
          `insert into idempotency_keys (source_id, key, event_id, expires_at)
           select 'src_retention', 'key-' || g, 'evt_retention', ${T0} + g from generate_series(1, 400000) g`,
        );
        await execute(url, 'analyze idempotency_keys');
        const bounded = await openPostgresStore({
          url,
          connectionTimeoutMs: PG_CONNECT_TIMEOUT_MS,
          statementTimeoutMs: 100,
        });
        try {
          await bounded.events.prune(T0 + 500_000);
        } finally {
          await bounded.close();
        }
        expect(await keysLeft(url)).toEqual([]);
      },
    );
  });
}
