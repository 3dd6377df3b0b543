// SPEC §10: the metrics an operator watches for delivery — routing outcomes, attempt outcomes, the delivery latency
// histogram, actions in flight, and deliveries held back — and, through the held-back count, that enabling an
// endpoint with a backlog lets it go at once rather than parking its deliveries over and over.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendAvailable, BACKENDS, eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { metricValue } from '../helpers/ingest.js';
import {
  BASE,
  createEndpoint,
  createRule,
  type Receiver,
  startOutbound,
  stopOutbound,
  waitForAction,
} from '../helpers/outbound.js';

const BACKLOG = 150;

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`delivery metrics — ${backend}`, () => {
    let t: TestApp;
    let receiver: Receiver;
    let send: (data: Record<string, unknown>) => Promise<string>;

    beforeAll(async () => {
      // /abort refuses the message for good (Standard Webhooks' abort-message); everything else is accepted.
      ({ t, receiver, send } = await startOutbound(
        backend,
        (req, res) => {
          if (req.path === '/abort') res.writeHead(400, { 'webhook-delivery': 'abort-message' }).end();
          else res.writeHead(200).end();
        },
        {
          env: { EVENTHOOK_SWEEP_INTERVAL: '20ms' },
        },
      ));
    });
    afterAll(() => stopOutbound(t, receiver));

    it('counts routing outcomes, attempt outcomes and their latency', async () => {
      await createEndpoint(t, { slug: 'fine', url: `${receiver.url}/fine` });
      await createEndpoint(t, { slug: 'refusing', url: `${receiver.url}/abort` });
      await createRule(t, 'fine', 'metrics.fine', [{ endpoint: 'fine' }]);
      await createRule(t, 'refusing', 'metrics.refused', [{ endpoint: 'refusing' }]);

      const ok = await send({ type: 'metrics.fine' });
      const refused = await send({ type: 'metrics.refused' });
      await send({ type: 'metrics.nobody' });
      await waitForAction(t, ok, (a) => a.status === 'succeeded');
      await waitForAction(t, refused, (a) => a.status === 'dead');

      await eventually(
        async () =>
          (await metricValue(t, 'eventhook_events_routed_total', { status: 'unrouted' })) >= 1 || undefined,
      );
      expect(
        await metricValue(t, 'eventhook_events_routed_total', { org: 'default', status: 'routed' }),
      ).toBeGreaterThanOrEqual(2);
      expect(
        await metricValue(t, 'eventhook_action_attempts_total', { target: 'webhook', outcome: 'succeeded' }),
      ).toBe(1);
      expect(
        await metricValue(t, 'eventhook_action_attempts_total', { target: 'webhook', outcome: 'dead' }),
      ).toBe(1);
      expect(await metricValue(t, 'eventhook_action_attempt_seconds_count', { target: 'webhook' })).toBe(2);
      // Nothing is under way once both settled.
      const text = await (
        await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${t.api.token}` } })
      ).text();
      expect(text).toMatch(/^eventhook_actions_in_flight 0$/m);
    });

    it('enabling an endpoint with a backlog sends it without parking any delivery again', async () => {
      await createEndpoint(t, { slug: 'held', url: `${receiver.url}/held`, status: 'paused' });
      await createRule(t, 'held', 'metrics.held', [{ endpoint: 'held' }]);
      for (let i = 0; i < BACKLOG; i++) await send({ type: 'metrics.held', i });

      // Every delivery is routed, held back once, and waits with nothing due.
      const held = { target: 'webhook', reason: 'endpoint_paused' };
      await eventually(
        async () => (await metricValue(t, 'eventhook_action_deferrals_total', held)) >= BACKLOG || undefined,
        15_000,
        'the backlog parked',
      );
      await eventually(async () => (await t.app.store.actions.nextDueAt()) === null || undefined);
      const parked = await metricValue(t, 'eventhook_action_deferrals_total', held);
      expect(parked).toBe(BACKLOG);

      const enabled = await t.api.post(`${BASE}/endpoints/held/enable`, {});
      expect(enabled.status, enabled.text).toBe(200);
      await delivered('/held', BACKLOG);
      // Claimed right after the enable, a delivery must not meet this process's old copy of the endpoint (paused).
      expect(await metricValue(t, 'eventhook_action_deferrals_total', held)).toBe(parked);
    });

    it('an endpoint enabled by another process: the first parked delivery refreshes the copy, once', async () => {
      // A second process on the same database serves the API; the worker's copy of the endpoint stays paused until
      // a delivery finds out otherwise. Before, every delivery parked at that moment woke the whole backlog again,
      // and claims, parkings and wakes went round until the copy expired.
      const other = await startTestApp(backend, {
        dataDir: t.dataDir,
        ...(backend === 'postgres' ? { databaseUrl: t.app.config.databaseUrl } : {}),
        env: { EVENTHOOK_OUTBOUND_ALLOW: '127.0.0.1', EVENTHOOK_ROLE: 'api' },
      });
      try {
        await createEndpoint(t, { slug: 'elsewhere', url: `${receiver.url}/elsewhere`, status: 'paused' });
        await createRule(t, 'elsewhere', 'metrics.elsewhere', [{ endpoint: 'elsewhere' }]);
        const held = { target: 'webhook', reason: 'endpoint_paused' };
        const before = await metricValue(t, 'eventhook_action_deferrals_total', held);
        for (let i = 0; i < BACKLOG; i++) await send({ type: 'metrics.elsewhere', i });
        await eventually(
          async () =>
            (await metricValue(t, 'eventhook_action_deferrals_total', held)) >= before + BACKLOG || undefined,
          15_000,
          'the backlog parked',
        );
        await eventually(async () => (await t.app.store.actions.nextDueAt()) === null || undefined);
        const parked = await metricValue(t, 'eventhook_action_deferrals_total', held);
        expect(parked - before).toBe(BACKLOG);

        const enabled = await other.api.post(`${BASE}/endpoints/elsewhere/enable`, {});
        expect(enabled.status, enabled.text).toBe(200);
        await delivered('/elsewhere', BACKLOG);
        // At most the one claim pass that met the old copy is parked again (the worker's per-endpoint share).
        const again = (await metricValue(t, 'eventhook_action_deferrals_total', held)) - parked;
        expect(again).toBeLessThanOrEqual(t.app.config.actionConcurrency / 2);
      } finally {
        await other.close();
      }
    });

    async function delivered(path: string, n: number): Promise<void> {
      await eventually(
        async () => receiver.requests.filter((r) => r.path === path).length >= n || undefined,
        15_000,
        `${n} deliveries to ${path}`,
      );
      expect(receiver.requests.filter((r) => r.path === path)).toHaveLength(n);
    }
  });
}
