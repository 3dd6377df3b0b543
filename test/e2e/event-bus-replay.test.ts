// An event_bus target publishes once per action key, as a webhook target sends one webhook-id: a replay that keeps the
// keys publishes nothing new (its downstream rules would route a copy, under a new webhook-id nobody can dedupe);
// a replay asking for new keys publishes again. And a rule cannot publish under a source that rules trust.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendAvailable, BACKENDS, eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { settledActions } from '../helpers/outbound.js';

const BASE = '/api/orgs/default/eventhook';

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`event_bus targets and replay — ${backend}`, () => {
    let t: TestApp;

    const charges = async () =>
      (await t.api.get(`${BASE}/events?type=billing.charge&limit=50`)).body.items as { id: string }[];

    beforeAll(async () => {
      t = await startTestApp(backend);
      const rule = await t.api.post(`${BASE}/rules`, {
        name: 'charge-big-orders',
        pattern: { type: ['order.placed'] },
        targets: [{ type: 'event_bus', eventType: 'billing.charge', input: { jmespath: 'data' } }],
      });
      expect(rule.status, rule.text).toBe(201);
    });
    afterAll(async () => t?.close());

    it('a replay that keeps the keys publishes no second event; one with new keys does', async () => {
      const published = await t.api.post(`${BASE}/events`, { type: 'order.placed', data: { total: 90 } });
      expect(published.status, published.text).toBe(200);
      const id = published.body.eventId as string;
      const first = await settledActions(t, id, 1);
      expect(first.map((a) => a.status)).toEqual(['succeeded']);
      expect(await charges()).toHaveLength(1);

      expect((await t.api.post(`${BASE}/events/${id}/replay`, {})).status).toBe(202);
      const again = await settledActions(t, id, 2);
      expect(again.map((a) => a.status)).toEqual(['succeeded', 'succeeded']);
      const results = again.map((a: { result: { eventId: string } }) => a.result.eventId);
      expect(results).toEqual([first[0].result.eventId, first[0].result.eventId]);
      expect(await charges()).toHaveLength(1);

      expect((await t.api.post(`${BASE}/events/${id}/replay`, { newIdempotencyKeys: true })).status).toBe(
        202,
      );
      await eventually(async () => ((await charges()).length === 2 ? true : undefined));
    });

    it('refuses a rule that would publish under a source verified webhooks, other orgs or Eventhook carry', async () => {
      for (const source of ['webhook:github', 'org:globex', 'system:workflows', 'system:eventhook']) {
        const res = await t.api.post(`${BASE}/rules`, {
          name: `forge-${source.replace(':', '-')}`,
          pattern: { type: ['order.placed'] },
          targets: [{ type: 'event_bus', eventType: 'push', source }],
        });
        expect(res.status, res.text).toBe(400);
        expect(res.body.errors).toEqual([
          {
            path: '/targets/0/source',
            message: expect.stringMatching(/^must not start with webhook:, org: or system: \(reserved/),
          },
        ]);
      }
      // The default source, which Eventhook sets itself, still publishes.
      expect((await charges())[0]).toMatchObject({ source: 'system:eventhook' });
    });
  });
}
