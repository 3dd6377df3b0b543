// Migration 008 on a store that already holds attempts: those of the health window are given their endpoint (and so
// show in its health at once), older ones keep none. The database is migrated only up to 007, filled as that release
// would have filled it, and then opened, which runs 008 and everything after it on real data.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.js';
import type { AttemptRecord } from '../../src/store/records.js';
import { newAction } from '../helpers/records.js';
import { migratedUpTo, type OlderDatabase } from '../helpers/migrations.js';
import { STORE_FACTORIES } from '../helpers/stores.js';

for (const factory of STORE_FACTORIES) {
  const available = await factory.available();
  describe.skipIf(!available)(`migration 008 (attempts name their endpoint) — ${factory.name}`, () => {
    let setup: OlderDatabase;

    beforeAll(async () => {
      setup = await migratedUpTo(factory, '007-unfinished-lane-index');
    });
    afterAll(async () => setup?.cleanup());

    it('gives the attempts of the health window their endpoint, and they are sampled for its health', async () => {
      const now = Date.now();
      const action = newAction('default', { type: 'webhook', endpoint: 'orders' }, { nextAttemptAt: now });
      // Actions are written as 007 wrote them; attempts had no endpoint column yet.
      await sql`insert into orgs (slug, name, created_at) values ('default', 'Default', ${now})`.execute(
        setup.db,
      );
      const old007 = await setup.open(false);
      await old007.actions.insertMany([action], now);
      await old007.close();
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
      for (const a of [old, recent]) {
        await setup.db
          .insertInto('attempts' as never)
          .values({
            id: a.id,
            action_id: a.actionId,
            org: a.org,
            number: a.number,
            started_at: a.startedAt,
            latency_ms: a.latencyMs,
            outcome: a.outcome,
            status_code: a.statusCode,
            request: 'null',
            response_headers: null,
            response_body: null,
            error: a.error,
          } as never)
          .execute();
      }

      const migrated = await setup.open(true);
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
