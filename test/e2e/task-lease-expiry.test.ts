// A task whose worker keeps dying, through the HTTP API on both stores: each claim's lease runs out (the app's lease
// sweep, with the clock moved past the lease), the first expiry sends the task back (task.retrying), the last one
// ends it failed (task.failed), and both lifecycle events are routed by a rule like any other event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendAvailable, BACKENDS, eventually } from '../helpers/app.js';
import { startDyingWorkerApp, type DyingWorkerApp } from '../helpers/dying-worker.js';

const base = '/api/orgs/default/eventhook';

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`task lease expiry — ${backend}`, () => {
    let app: DyingWorkerApp;
    beforeAll(async () => {
      app = await startDyingWorkerApp(backend, 'task', { kind: 'charge', maxRetries: 1 });
    });
    afterAll(async () => app?.t.close());

    it('retries once after an expired lease, then fails it; rules route task.retrying and task.failed', async () => {
      expect(
        (await app.t.api.post(`${base}/events`, { type: 'order.placed', data: { order: 1 } })).status,
      ).toBe(200);
      const task = await eventually(
        async () => (await app.t.api.get(`${base}/engine/tasks?kind=charge`)).body.items?.[0],
        10_000,
        'the charge task',
      );

      const first = await app.claim();
      expect(first.status, first.text).toBe(200);
      expect(first.body).toMatchObject({ id: task.id, executionCount: 1, maxRetries: 1, status: 'running' });
      // The worker dies: no heartbeat, the lease runs out and the next sweep sends the task back.
      app.clock.advance(1001);
      const retried = await app.once(task.id, 'pending');
      expect(retried).toMatchObject({
        executionCount: 1,
        workerId: null,
        error: 'lease expired: the worker stopped heartbeating',
      });

      const second = await app.claim();
      expect(second.body).toMatchObject({ id: task.id, executionCount: 2, status: 'running' });
      app.clock.advance(1001);
      const failed = await app.once(task.id, 'failed');
      expect(failed).toMatchObject({
        executionCount: 2,
        maxRetries: 1,
        error: 'lease expired: the worker stopped heartbeating (after 2 executions)',
      });
      // Not handed out again, however long one waits.
      app.clock.advance(60_000);
      expect((await app.claim()).status).toBe(204);

      // Both transitions were lifecycle events, and the watch rule routed each to a task.
      const routed = await app.pages(2);
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
      const failedEvents = await app.t.api.get(`${base}/events?type=task.failed`);
      expect(failedEvents.body.items).toEqual([expect.objectContaining({ subject: task.id })]);
    });
  });
}
