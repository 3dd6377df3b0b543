// Retention: pruning removes old events with their actions and attempts, and nothing newer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.js';
import type { Store } from '../../src/store/port.js';
import { STORE_FACTORIES } from '../helpers/stores.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

for (const factory of STORE_FACTORIES) {
  const available = await factory.available();
  describe.skipIf(!available)(`retention — ${factory.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await factory.open());
      await store.orgs.create({ slug: 'acme', name: 'Acme' }, T0);
    });
    afterAll(async () => cleanup?.());

    it('prunes events older than the cutoff with their actions and attempts', async () => {
      const mk = (time: number) => ({
        id: newId('event', time),
        org: 'acme',
        sourceId: null,
        source: 'app:x',
        type: 't',
        subject: null,
        time,
        status: 'pending' as const,
        contentType: null,
        rawBody: null,
        headers: null,
        data: null,
        idempotencyKey: null,
        correlationId: null,
        traceparent: null,
        error: null,
        hopCount: 0,
      });
      const old = mk(T0);
      const recent = mk(T0 + 40 * DAY);
      await store.events.insert(old);
      await store.events.insert(recent);
      const action = {
        id: newId('action'),
        org: 'acme',
        eventId: old.id,
        ruleId: newId('rule'),
        ruleName: 'r',
        targetIndex: 0,
        targetType: 'task',
        target: {},
        routeSeq: 1,
        maxAttempts: 1,
        idempotencyKey: 'k',
        nextAttemptAt: T0,
      };
      await store.actions.insertMany([action], T0);
      await store.attempts.insert({
        id: newId('attempt'),
        actionId: action.id,
        org: 'acme',
        number: 1,
        startedAt: T0,
        latencyMs: 1,
        outcome: 'failed',
        statusCode: null,
        request: null,
        responseHeaders: null,
        responseBody: null,
        error: 'x',
        endpoint: null,
      });

      expect(await store.events.prune(T0 + 30 * DAY)).toBe(1);
      expect(await store.events.get('acme', old.id)).toBeUndefined();
      expect(await store.actions.get('acme', action.id)).toBeUndefined();
      expect(await store.attempts.listByAction('acme', action.id)).toEqual([]);
      expect(await store.events.get('acme', recent.id)).toBeDefined();
    });
  });
}
