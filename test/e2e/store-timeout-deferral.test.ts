// Through the API, on PostgreSQL with a short statement timeout: a rule's target whose store access times out (a table
// locked by another session), or whose connection the server ends, waits instead of failing: its single attempt is
// not used, nothing is recorded, and once the lock is gone (the server serves again) it runs, once. A task target (the
// local engine's insert waits on the locked tasks table, or loses its connection) and a webhook target (reading its
// endpoint waits on the endpoints table, locked against reads too). SQLite locks the
// whole database, which a test outside the worker cannot take between a claim and the target's write: that case is in
// test/routing/store-timeout-deferral.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendAvailable } from '../helpers/app.js';
import {
  BASE,
  createEndpoint,
  createRule,
  getAction,
  startOutbound,
  stopOutbound,
  waitForAction,
  type Receiver,
} from '../helpers/outbound.js';
import type { TestApp } from '../helpers/app.js';
import { terminateInserts } from '../helpers/connection-killer.js';
import { holdWriteLock } from '../helpers/write-lock.js';

describe.skipIf(!(await backendAvailable('postgres')))(
  'a target the store does not answer in time — postgres',
  () => {
    let t: TestApp;
    let receiver: Receiver;
    beforeAll(async () => {
      ({ t, receiver } = await startOutbound('postgres', undefined, {
        env: { EVENTHOOK_PG_STATEMENT_TIMEOUT: '1s' },
      }));
    });
    afterAll(async () => stopOutbound(t, receiver));

    const publish = async (type: string) => {
      const r = await t.api.post(`${BASE}/events`, { type, data: { orderId: 'o-1' } });
      expect(r.status, r.text).toBe(200);
      return r.body.eventId as string;
    };

    const settled = (a: { status: string }) => ['succeeded', 'failed', 'dead'].includes(a.status);

    /** The action held while `release` is not called: waiting on the store, no attempt used or recorded. */
    async function expectWaiting(eventId: string, reason = 'store_timeout'): Promise<string> {
      const waiting = await waitForAction(t, eventId, (a) => a.waiting === reason, 15_000);
      expect(waiting).toMatchObject({ status: 'pending', attemptCount: 0, maxAttempts: 1 });
      expect((await getAction(t, waiting.id)).attempts).toEqual([]);
      return waiting.id as string;
    }

    /**
     * A task target of kind `kind` (one attempt), run while `block` holds (its release returned): it waits with
     * `reason`, no task made, and once released creates its task once, with its first and only attempt.
     */
    async function taskWaitsWhile(
      kind: string,
      block: () => Promise<() => Promise<void>>,
      reason: string,
    ): Promise<void> {
      const type = `order.${kind}`;
      await createRule(t, `${kind}-task`, type, [{ type: 'task', kind, retry: { maxAttempts: 1 } }]);
      const release = await block();
      let eventId: string;
      try {
        eventId = await publish(type);
        await expectWaiting(eventId, reason);
        expect((await t.api.get(`${BASE}/engine/tasks?kind=${kind}`)).body.items).toEqual([]);
      } finally {
        await release();
      }
      const done = await waitForAction(t, eventId, settled, 15_000);
      const tasks = (await t.api.get(`${BASE}/engine/tasks?kind=${kind}`)).body.items as { id: string }[];
      expect(tasks).toHaveLength(1);
      expect(done).toMatchObject({
        status: 'succeeded',
        attemptCount: 1,
        waiting: null,
        result: { taskId: tasks[0]!.id, created: true },
      });
      expect((await getAction(t, done.id)).attempts).toMatchObject([{ number: 1, outcome: 'succeeded' }]);
    }

    it('a task target waits for its locked table, and creates its task once the lock is gone', async () => {
      await taskWaitsWhile(
        'ship',
        () => holdWriteLock('postgres', t.app.config.databaseUrl, ['tasks']),
        'store_timeout',
      );
    }, 40_000);

    it('a webhook target waits while its endpoint cannot be read, and is delivered once after', async () => {
      await createEndpoint(t, { slug: 'shipping', url: `${receiver.url}/hook` });
      await createRule(t, 'ship-hook', 'order.shipped', [
        { endpoint: 'shipping', retry: { maxAttempts: 1 } },
      ]);
      // The worker's copy of an endpoint lives a second: past it, the delivery must read the endpoint.
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const release = await holdWriteLock('postgres', t.app.config.databaseUrl, ['endpoints'], {
        reads: true,
      });
      let eventId: string;
      try {
        eventId = await publish('order.shipped');
        await expectWaiting(eventId);
        expect(receiver.requests).toHaveLength(0);
      } finally {
        await release();
      }
      const done = await waitForAction(t, eventId, settled, 15_000);
      expect(done).toMatchObject({ status: 'succeeded', attemptCount: 1, waiting: null });
      expect(receiver.requests).toHaveLength(1);
    }, 40_000);

    it('a task target whose connection the server ends waits, and creates its task once the database serves again', async () => {
      // Every insert into tasks loses its connection (as in a fail-over): the store is out of reach for the target.
      await taskWaitsWhile(
        'pack',
        () => terminateInserts(t.app.config.databaseUrl, 'tasks'),
        'store_unavailable',
      );
    }, 40_000);
  },
);
