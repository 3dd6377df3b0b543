// A webhook's integers beyond 2^53 (64-bit ids some providers send as JSON numbers) leave Eventhook as the digits
// that arrived — in a delivery's signed body, an engine's input, a re-published event and the event API — although
// rules and transforms see the nearest double (docs/pattern-language.md). The live stream too; the JetStream log in
// jetstream-log.test.ts, Flovyn's requests in flovyn-engine.test.ts.
import { createHmac } from 'node:crypto';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendAvailable, BACKENDS, eventually, type TestApp } from '../helpers/app.js';
import {
  BASE,
  createEndpoint,
  settledActions,
  startOutbound,
  stopOutbound,
  type Receiver,
} from '../helpers/outbound.js';
import { readFrames } from '../helpers/sse.js';

const SECRET = 'outbound-test-secret'; // the one startOutbound's `app` source verifies with
const ID = '1234567890123456789'; // JSON.parse makes it 1234567890123456800
const BIG = '18446744073709551615';
const TWO_53 = '9007199254740992'; // exact, but 9007199254740993 becomes it too

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`integers beyond 2^53 leave as they arrived — ${backend}`, () => {
    let t: TestApp;
    let receiver: Receiver;
    let secret: string;

    beforeAll(async () => {
      ({ t, receiver } = await startOutbound(backend));
      secret = (await createEndpoint(t, { slug: 'exact', url: `${receiver.url}/hook` })).secret;
      const rules = [
        {
          name: 'whole',
          pattern: { type: ['order.paid'] },
          targets: [{ type: 'webhook', endpoint: 'exact' }],
        },
        {
          name: 'moved',
          pattern: { type: ['order.paid'] },
          targets: [
            {
              type: 'webhook',
              endpoint: 'exact',
              input: { jmespath: '{orderId: data.order.id, total: data.total}' },
            },
            {
              type: 'workflow',
              kind: 'fulfil',
              input: {
                javascript: 'function transform(e) { return { ids: [e.data.order.id, e.data.big] }; }',
              },
            },
            { type: 'event_bus', eventType: 'order.copied' },
          ],
        },
      ];
      for (const rule of rules) {
        const res = await t.api.post(`${BASE}/rules`, rule);
        expect(res.status, res.text).toBe(201);
      }
    });
    afterAll(async () => stopOutbound(t, receiver));

    it('in the signed body, the engine input, the re-published event and the event API', async () => {
      const body =
        `{"type":"order.paid","order":{"id":${ID},"ref":"${ID}"},"big":${BIG},` +
        `"pair":[9007199254740993,${TWO_53}],"total":12.5}`;
      const pattern = encodeURIComponent(JSON.stringify({ type: ['order.paid'] }));
      const stream = await fetch(`${t.url}${BASE}/stream?pattern=${pattern}`, {
        headers: { authorization: `Bearer ${t.api.token}` },
      });
      const frames = readFrames(stream, 'event', 1);
      const res = await fetch(`${t.url}${BASE}/in/app`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-event-type': 'order.paid',
          'x-sig': createHmac('sha256', SECRET).update(body).digest('hex'),
        },
        body,
      });
      expect(res.status).toBe(200);
      const { eventId } = (await res.json()) as { eventId: string };
      const actions = await settledActions(t, eventId, 4);
      expect(actions.map((a) => a.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);

      // Both deliveries, verified over the bytes that came: the digits as they arrived.
      expect(receiver.requests).toHaveLength(2);
      const bodies = receiver.requests.map((r) => {
        new StandardWebhook(secret).verify(r.body, r.headers);
        return r.body.toString('utf8');
      });
      const whole = bodies.find((b) => b.includes('"specversion"'))!;
      expect(whole).toContain(`"order":{"id":${ID},"ref":"${ID}"}`);
      expect(whole).toContain(`"big":${BIG}`);
      // Which of the two integers a written 2^53 stands for cannot be told, so it stays as JSON writes it.
      expect(whole).toContain(`"pair":[${TWO_53},${TWO_53}]`);
      expect(bodies.find((b) => !b.includes('"specversion"'))).toBe(`{"orderId":${ID},"total":12.5}`);

      // The live stream's frame, and the event API's answer, as text: JSON.parse on the client side would round it again.
      expect((await frames)[0]!.text).toContain(`"order":{"id":${ID},"ref":"${ID}"}`);
      const detail = await t.api.get(`${BASE}/events/${eventId}`);
      expect(detail.text).toContain(`"order":{"id":${ID},"ref":"${ID}"}`);
      const list = await t.api.get(`${BASE}/events?type=order.paid`);
      expect(list.text).toContain(`"big":${BIG}`);

      // The workflow's input, built by a JavaScript transform, as a worker reads it.
      const workflows = await eventually(
        async () => {
          const r = await t.api.get(`${BASE}/engine/workflows?kind=fulfil`);
          return r.body.items?.length === 1 ? r : undefined;
        },
        10_000,
        'the workflow',
      );
      expect(workflows.text).toContain(`"input":{"ids":[${ID},${BIG}]}`);
      const one = await t.api.get(`${BASE}/engine/workflows/${workflows.body.items[0].id}`);
      expect(one.text).toContain(`"input":{"ids":[${ID},${BIG}]}`);

      // The event the event_bus target published carries the whole envelope as its data.
      const copied = await eventually(
        async () => (await t.api.get(`${BASE}/events?type=order.copied`)).body.items?.[0],
        10_000,
        'the re-published event',
      );
      const copy = await t.api.get(`${BASE}/events/${copied.id}`);
      expect(copy.text).toContain(`"order":{"id":${ID},"ref":"${ID}"}`);
    });

    it('in a published event, JSON or CloudEvents, as a rule forwards it and the API shows it', async () => {
      const bodies = [
        ['application/json', `{"type":"order.paid","data":{"order":{"id":${ID}}}}`],
        [
          'application/cloudevents+json',
          `{"specversion":"1.0","id":"ce-1","source":"shop","type":"order.paid","data":{"order":{"id":${ID}}}}`,
        ],
        ['application/json', `[{"type":"order.paid","data":{"order":{"id":${ID}},"big":${BIG}}}]`],
      ];
      for (const [contentType, body] of bodies) {
        const res = await fetch(`${t.url}${BASE}/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${t.api.token}`, 'content-type': contentType! },
          body,
        });
        expect(res.status, contentType).toBe(200);
        const answer = (await res.json()) as { eventId?: string; items?: { eventId: string }[] };
        const eventId = answer.eventId ?? answer.items![0]!.eventId;
        await settledActions(t, eventId, 4);
        expect((await t.api.get(`${BASE}/events/${eventId}`)).text).toContain(`"data":{"order":{"id":${ID}}`);
        const delivered = receiver.requests.map((r) => r.body.toString('utf8'));
        expect(
          delivered.filter((b) => b.includes(eventId) && b.includes(`"order":{"id":${ID}}`)),
        ).toHaveLength(1);
      }
    });
  });
}
