// Issue 6 §1 with several workers on one database: an endpoint's maxConcurrency and rateLimit hold for all of them
// together (each worker takes its share), not for each. Two apps share the database here, as two worker processes
// would, and the receiver sees the endpoint's limits kept.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendAvailable, BACKENDS, eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { metricValue } from '../helpers/ingest.js';
import {
  createEndpoint,
  createRule,
  limitsObserver,
  type Receiver,
  sendAllDelivered,
  startOutbound,
  stopOutbound,
} from '../helpers/outbound.js';

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`delivery limits shared by two workers — ${backend}`, () => {
    let a: TestApp;
    let b: TestApp;
    let receiver: Receiver;
    let send: (data: Record<string, unknown>) => Promise<string>;
    const { handler, delays, peak, arrivedAt } = limitsObserver();
    /** A second worker process on a's database (and master key). */
    const anotherWorker = () =>
      startTestApp(backend, {
        dataDir: a.dataDir,
        ...(backend === 'postgres' ? { databaseUrl: a.app.config.databaseUrl } : {}),
        env: { EVENTHOOK_OUTBOUND_ALLOW: '127.0.0.1' },
      });

    beforeAll(async () => {
      ({ t: a, receiver, send } = await startOutbound(backend, handler));
      b = await anotherWorker();
      // Each sees the other within a heartbeat (the sweep interval, 200 ms here).
      for (const t of [a, b])
        await eventually(
          async () => (await metricValue(t, 'eventhook_workers_alive', {})) === 2 || undefined,
        );
    });
    afterAll(async () => {
      await b?.close();
      await stopOutbound(a, receiver);
    });

    it('keeps maxConcurrency across both workers', async () => {
      delays.set('/capped', 150);
      await createEndpoint(a, { slug: 'capped', url: `${receiver.url}/capped`, maxConcurrency: 2 });
      await createRule(a, 'capped', 'capped.test', [{ endpoint: 'capped' }]);
      await sendAllDelivered(a, send, 'capped.test', 12, 20_000);
      // Each worker keeping to 2 alone reached 4 together here when both took part (which worker delivers is up to
      // the claims; test/delivery/delivery-gate-share.test.ts pins each worker's part).
      expect(peak.get('/capped')).toBeLessThanOrEqual(2);
    });

    it('keeps the rate limit across both workers', async () => {
      await createEndpoint(a, { slug: 'rated', url: `${receiver.url}/rated`, rateLimit: 4 });
      await createRule(a, 'rated', 'rated.test', [{ endpoint: 'rated' }]);
      await sendAllDelivered(a, send, 'rated.test', 10, 20_000);
      const times = arrivedAt.get('/rated')!;
      expect(times).toHaveLength(10);
      // Together a burst of 4, then 4 per second: the last of 10 comes 1.5 s after the first at the soonest. (Which
      // worker delivers is up to the claims; test/delivery/delivery-gate-share.test.ts pins each worker's part.)
      expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(1300);
    });

    it('gives a leaving worker’s share back to the one that stays', async () => {
      const other = await anotherWorker();
      await eventually(async () => (await metricValue(a, 'eventhook_workers_alive', {})) === 3 || undefined);
      await other.close();
      await eventually(async () => (await metricValue(a, 'eventhook_workers_alive', {})) === 2 || undefined);
    });
  });
}
