// A task whose worker keeps dying, through the HTTP API on both stores: each claim's lease runs out (the app's lease
// sweep, with the clock moved past the lease), the first expiry sends the task back (task.retrying), the last one
// ends it failed (task.failed), and both lifecycle events are routed by a rule like any other event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { backendAvailable, BACKENDS, eventually, startTestApp, type TestApp } from '../helpers/app.js';

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`task lease expiry — ${backend}`, () => {
    let t: TestApp;
    const base = '/api/orgs/default/eventhook';
    const clock = new ManualClock(Date.now());

    beforeAll(async () => {
      t = await startTestApp(backend, { clock });
      const start = await t.api.post(`${base}/rules`, {
        name: 'order-to-task',
        pattern: { type: ['order.placed'] },
        targets: [{ type: 'task', kind: 'charge', maxRetries: 1 }],
      });
      expect(start.status, start.text).toBe(201);
      const watch = await t.api.post(`${base}/rules`, {
        name: 'watch-charges',
        pattern: {
          source: ['system:tasks'],
          type: ['task.retrying', 'task.failed'],
          data: { kind: ['charge'] },
        },
        targets: [{ type: 'task', kind: 'page-oncall' }],
      });
      expect(watch.status, watch.text).toBe(201);
    });
    afterAll(async () => t?.close());

    const claim = () =>
      t.api.post(`${base}/engine/tasks/claim`, { workerId: 'doomed', kinds: ['charge'], leaseMs: 1000 });
    /** The task once it is in `status` (the lease sweep runs on its own timer: it is polled for). */
    const taskOnce = (id: string, status: string) =>
      eventually(
        async () => {
          const r = await t.api.get(`${base}/engine/tasks/${id}`);
          return r.body.status === status ? r.body : undefined;
        },
        10_000,
        `task ${id} ${status}`,
      );
    /** The page-oncall tasks the watch rule made: the lifecycle events they were made from. */
    const pages = async () =>
      ((await t.api.get(`${base}/engine/tasks?kind=page-oncall`)).body.items as { input: any }[])
        .map((x) => x.input)
        .sort((a, b) => (a.id < b.id ? -1 : 1));

    it('retries once after an expired lease, then fails it; rules route task.retrying and task.failed', async () => {
      expect((await t.api.post(`${base}/events`, { type: 'order.placed', data: { order: 1 } })).status).toBe(
        200,
      );
      const task = await eventually(
        async () => (await t.api.get(`${base}/engine/tasks?kind=charge`)).body.items?.[0],
        10_000,
        'the charge task',
      );

      const first = await claim();
      expect(first.status, first.text).toBe(200);
      expect(first.body).toMatchObject({ id: task.id, executionCount: 1, maxRetries: 1, status: 'running' });
      // The worker dies: no heartbeat, the lease runs out and the next sweep sends the task back.
      clock.advance(1001);
      const retried = await taskOnce(task.id, 'pending');
      expect(retried).toMatchObject({
        executionCount: 1,
        workerId: null,
        error: 'lease expired: the worker stopped heartbeating',
      });

      const second = await claim();
      expect(second.body).toMatchObject({ id: task.id, executionCount: 2, status: 'running' });
      clock.advance(1001);
      const failed = await taskOnce(task.id, 'failed');
      expect(failed).toMatchObject({
        executionCount: 2,
        maxRetries: 1,
        error: 'lease expired: the worker stopped heartbeating (after 2 executions)',
      });
      // Not handed out again, however long one waits.
      clock.advance(60_000);
      expect((await claim()).status).toBe(204);

      // Both transitions were lifecycle events, and the watch rule routed each to a task.
      const routed = await eventually(async () => {
        const p = await pages();
        return p.length === 2 ? p : undefined;
      });
      expect(routed.map((e) => e.type)).toEqual(['task.retrying', 'task.failed']);
      expect(routed[0]).toMatchObject({
        source: 'system:tasks',
        subject: task.id,
        data: { id: task.id, status: 'PENDING', executionCount: 1, maxRetries: 1 },
      });
      expect(routed[1]).toMatchObject({
        source: 'system:tasks',
        subject: task.id,
        data: {
          id: task.id,
          status: 'FAILED',
          executionCount: 2,
          workerId: 'doomed',
          error: 'lease expired: the worker stopped heartbeating (after 2 executions)',
        },
      });
      const failedEvents = await t.api.get(`${base}/events?type=task.failed`);
      expect(failedEvents.body.items).toEqual([expect.objectContaining({ subject: task.id })]);
    });
  });
}
