// A workflow whose worker keeps dying, through the HTTP API on both stores: each claim's lease runs out (the app's
// lease sweep, with the clock moved past the lease) and sends the workflow back (workflow.retrying), up to the bound
// tasks have by default (3); the fourth expiry ends it failed (workflow.failed) instead of it going round for ever,
// and a rule routes both lifecycle events like any other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { backendAvailable, BACKENDS, eventually, startTestApp, type TestApp } from '../helpers/app.js';

const FAILED_ERROR = 'lease expired: the worker stopped heartbeating (after 4 expired leases)';

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`workflow lease expiry — ${backend}`, () => {
    let t: TestApp;
    const base = '/api/orgs/default/eventhook';
    const clock = new ManualClock(Date.now());

    beforeAll(async () => {
      t = await startTestApp(backend, { clock });
      const start = await t.api.post(`${base}/rules`, {
        name: 'order-to-workflow',
        pattern: { type: ['order.placed'] },
        targets: [{ type: 'workflow', kind: 'checkout' }],
      });
      expect(start.status, start.text).toBe(201);
      const watch = await t.api.post(`${base}/rules`, {
        name: 'watch-checkouts',
        pattern: {
          source: ['system:workflows'],
          type: ['workflow.retrying', 'workflow.failed'],
          data: { kind: ['checkout'] },
        },
        targets: [{ type: 'task', kind: 'page-oncall' }],
      });
      expect(watch.status, watch.text).toBe(201);
    });
    afterAll(async () => t?.close());

    const claim = () =>
      t.api.post(`${base}/engine/workflows/claim`, {
        workerId: 'doomed',
        kinds: ['checkout'],
        leaseMs: 1000,
      });
    /** The workflow once it is in `status` (the lease sweep runs on its own timer: it is polled for). */
    const workflowOnce = (id: string, status: string) =>
      eventually(
        async () => {
          const r = await t.api.get(`${base}/engine/workflows/${id}`);
          return r.body.status === status ? r.body : undefined;
        },
        10_000,
        `workflow ${id} ${status}`,
      );

    it('sends the workflow back after 3 expired leases and fails it at the 4th; rules route both', async () => {
      const sent = await t.api.post(`${base}/events`, { type: 'order.placed', data: { order: 1 } });
      expect(sent.status, sent.text).toBe(200);
      const workflow = await eventually(
        async () => (await t.api.get(`${base}/engine/workflows?kind=checkout`)).body.items?.[0],
        10_000,
        'the checkout workflow',
      );

      for (let expiry = 1; expiry <= 3; expiry++) {
        const claimed = await claim();
        expect(claimed.status, claimed.text).toBe(200);
        expect(claimed.body).toMatchObject({ id: workflow.id, status: 'running' });
        // The worker dies: no heartbeat, the lease runs out and the next sweep sends the workflow back.
        clock.advance(1001);
        expect(await workflowOnce(workflow.id, 'pending')).toMatchObject({
          workerId: null,
          error: 'lease expired: the worker stopped heartbeating',
        });
      }
      expect((await claim()).body).toMatchObject({ id: workflow.id, status: 'running' });
      clock.advance(1001);
      expect(await workflowOnce(workflow.id, 'failed')).toMatchObject({ error: FAILED_ERROR });
      // Not handed out again, however long one waits.
      clock.advance(60_000);
      expect((await claim()).status).toBe(204);

      const routed = await eventually(async () => {
        const items = (await t.api.get(`${base}/engine/tasks?kind=page-oncall`)).body.items as {
          input: any;
        }[];
        return items.length === 4 ? items.map((x) => x.input) : undefined;
      });
      const types = routed.map((e) => e.type).sort();
      expect(types).toEqual([
        'workflow.failed',
        'workflow.retrying',
        'workflow.retrying',
        'workflow.retrying',
      ]);
      expect(routed.find((e) => e.type === 'workflow.failed')).toMatchObject({
        source: 'system:workflows',
        subject: workflow.id,
        data: { id: workflow.id, status: 'FAILED', workerId: 'doomed', error: FAILED_ERROR },
      });
    });
  });
}
