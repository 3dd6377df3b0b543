// Issue 6 §1 and §9: per-endpoint rate limit and concurrency cap hold deliveries back without using attempts, and a
// slow endpoint never holds up deliveries to the others.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendAvailable, BACKENDS, eventually, type TestApp } from '../helpers/app.js';
import {
  createEndpoint,
  createRule,
  limitsObserver,
  type Receiver,
  sendAllDelivered,
  startOutbound,
  stopOutbound,
  waitForAction,
} from '../helpers/outbound.js';

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`delivery limits — ${backend}`, () => {
    let t: TestApp;
    let receiver: Receiver;
    let send: (data: Record<string, unknown>) => Promise<string>;
    const { handler, delays, peak, arrivedAt } = limitsObserver();

    beforeAll(async () => {
      // 8 worker slots: an endpoint gets at most 4 of them.
      ({ t, receiver, send } = await startOutbound(backend, handler, {
        env: { EVENTHOOK_ACTION_CONCURRENCY: '8' },
      }));
    });
    afterAll(() => stopOutbound(t, receiver));

    it('never has more than maxConcurrency deliveries of an endpoint in flight', async () => {
      delays.set('/capped', 100);
      await createEndpoint(t, { slug: 'capped', url: `${receiver.url}/capped`, maxConcurrency: 2 });
      await createRule(t, 'capped', 'capped.test', [{ endpoint: 'capped' }]);
      await sendAllDelivered(t, send, 'capped.test', 8);
      expect(peak.get('/capped')).toBe(2);
    });

    it('spreads deliveries to the rate limit', async () => {
      await createEndpoint(t, { slug: 'rated', url: `${receiver.url}/rated`, rateLimit: 5 });
      await createRule(t, 'rated', 'rated.test', [{ endpoint: 'rated' }]);
      await sendAllDelivered(t, send, 'rated.test', 15);
      const times = arrivedAt.get('/rated')!;
      expect(times).toHaveLength(15);
      // A burst of 5, then 5 per second: the last of 15 cannot come sooner than 2 s after the first.
      expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(1800);
    });

    it('keeps delivering to other endpoints while a slow one has a backlog', async () => {
      delays.set('/slow', 2000);
      await createEndpoint(t, { slug: 'slow', url: `${receiver.url}/slow` });
      await createEndpoint(t, { slug: 'fast', url: `${receiver.url}/fast` });
      await createRule(t, 'slow', 'slow.test', [{ endpoint: 'slow' }]);
      await createRule(t, 'fast', 'fast.test', [{ endpoint: 'fast' }]);
      const slow = await Promise.all(Array.from({ length: 12 }, (_, i) => send({ type: 'slow.test', i })));
      // The slow endpoint holds all the slots it may (half of 8) before the fast event goes in.
      await eventually(
        async () => peak.get('/slow') === 4 || undefined,
        10_000,
        'the slow endpoint at its cap',
      );
      const started = Date.now();
      const fast = await send({ type: 'fast.test' });
      await waitForAction(t, fast, (a) => a.status === 'succeeded');
      expect(Date.now() - started).toBeLessThan(1500);
      expect(peak.get('/slow')).toBeLessThanOrEqual(4);
      for (const id of slow) await waitForAction(t, id, (a) => a.status === 'succeeded', 20_000);
    });
  });
}
