// QueryTemplate: a hot statement compiled once, then run with new values — on a real SQLite database with the real
// schema. The statements that use it (attempts, settling actions, idempotency keys) are covered by the store
// contract on both backends; this pins the template's own rules.
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/store/migrations/index.js';
import { QueryTemplate } from '../../src/store/kysely/query-template.js';
import type { Database as Schema } from '../../src/store/schema.js';

describe('QueryTemplate', () => {
  let db: Kysely<Schema>;

  beforeAll(async () => {
    db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    await migrateToLatest(db as Kysely<unknown>, { blob: 'blob' });
    await db.insertInto('orgs').values({ slug: 'acme', name: 'Acme', created_at: 1 }).execute();
  });
  afterAll(async () => db.destroy());

  const insertKey = new QueryTemplate<{ sourceId: string; key: string; eventId: string; expiresAt: number }>(
    (db, p) =>
      db
        .insertInto('idempotency_keys')
        .values({ source_id: p.sourceId, key: p.key, event_id: p.eventId, expires_at: p.expiresAt })
        .returning(['source_id', 'key', 'event_id', 'expires_at']),
  );

  it('runs the same statement with each call’s values, constants kept', async () => {
    const first = await insertKey.execute(db, 'sqlite', {
      sourceId: 's1',
      key: 'k1',
      eventId: 'e1',
      expiresAt: 10,
    });
    const second = await insertKey.execute(db, 'sqlite', {
      sourceId: 's2',
      key: 'k2',
      eventId: 'e2',
      expiresAt: 20,
    });
    expect(first.rows).toEqual([{ source_id: 's1', key: 'k1', event_id: 'e1', expires_at: 10 }]);
    expect(second.rows).toEqual([{ source_id: 's2', key: 'k2', event_id: 'e2', expires_at: 20 }]);

    const renamed = new QueryTemplate<{ key: string }>((db, p) =>
      db.updateTable('idempotency_keys').set({ event_id: 'constant' }).where('key', '=', p.key),
    );
    const r = await renamed.execute(db, 'sqlite', { key: 'k2' });
    expect(Number(r.numAffectedRows)).toBe(1);
    const rows = await sql<{
      key: string;
      event_id: string;
    }>`select key, event_id from idempotency_keys order by key`.execute(db);
    expect(rows.rows).toEqual([
      { key: 'k1', event_id: 'e1' },
      { key: 'k2', event_id: 'constant' },
    ]);
  });

  it('refuses a builder that binds nothing or uses a value to shape the query', async () => {
    // A proxy lists no keys, so values(p) would insert an empty row; a value tested in JavaScript would freeze the
    // first call's choice into every later statement.
    const bindsNothing = new QueryTemplate<{ key: string }>((db, p) =>
      db.insertInto('idempotency_keys').values(p as never),
    );
    await expect(bindsNothing.execute(db, 'sqlite', { key: 'x' })).rejects.toThrow(/binds no value/);
    const shapes = new QueryTemplate<{ key: string | null }>((db, p) =>
      db
        .selectFrom('idempotency_keys')
        .select('key')
        .$if(p.key === null, (q) => q.where('key', 'is', null)),
    );
    await expect(shapes.execute(db, 'sqlite', { key: null })).rejects.toThrow(/binds no value for: key/);
  });
});
