// A workflow whose worker keeps dying, through the HTTP API on both stores: each claim's lease runs out (the app's
// lease sweep, with the clock moved past the lease) and sends the workflow back (workflow.retrying), up to the bound
// tasks have by default (3); the fourth expiry ends it failed (workflow.failed) instead of it going round for ever,
// and a rule routes both lifecycle events like any other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendAvailable, BACKENDS, eventually } from '../helpers/app.js';
import { startDyingWorkerApp, type DyingWorkerApp } from '../helpers/dying-worker.js';

const base = '/api/orgs/default/eventhook';
const FAILED_ERROR = 'lease expired: the worker stopped heartbeating (after 4 expired leases)';

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`workflow lease expiry — ${backend}`, () => {
    let app: DyingWorkerApp;
    beforeAll(async () => {
      app = await startDyingWorkerApp(backend, 'workflow', { kind: 'checkout' });
    });
    afterAll(async () => app?.t.close());

    it('sends the workflow back after 3 expired leases and fails it at the 4th; rules route both', async () => {
      const sent = await app.t.api.post(`${base}/events`, { type: 'order.placed', data: { order: 1 } });
      expect(sent.status, sent.text).toBe(200);
      const workflow = await eventually(
        async () => (await app.t.api.get(`${base}/engine/workflows?kind=checkout`)).body.items?.[0],
        10_000,
        'the checkout workflow',
      );

      for (let expiry = 1; expiry <= 3; expiry++) {
        const claimed = await app.claim();
        expect(claimed.status, claimed.text).toBe(200);
        expect(claimed.body).toMatchObject({ id: workflow.id, status: 'running' });
        // The worker dies: no heartbeat, the lease runs out and the next sweep sends the workflow back.
        app.clock.advance(1001);
        expect(await app.once(workflow.id, 'pending')).toMatchObject({
          workerId: null,
          error: 'lease expired: the worker stopped heartbeating',
        });
      }
      expect((await app.claim()).body).toMatchObject({ id: workflow.id, status: 'running' });
      app.clock.advance(1001);
      expect(await app.once(workflow.id, 'failed')).toMatchObject({ error: FAILED_ERROR });
      // Not handed out again, however long one waits.
      app.clock.advance(60_000);
      expect((await app.claim()).status).toBe(204);

      const routed = await app.pages(4);
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
