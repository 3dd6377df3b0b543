// Issue 2: a worker creates a promise and awaits it; a webhook matching a promise rule resolves it; a second
// identical webhook changes nothing.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendAvailable, BACKENDS, eventually, startTestApp, type TestApp } from '../helpers/app.js';

const SECRET = 'payments-secret';

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`promise round trip — ${backend}`, () => {
    let t: TestApp;
    const base = '/api/orgs/default/eventhook';

    beforeAll(async () => {
      t = await startTestApp(backend);
      expect(
        (
          await t.api.post(`${base}/sources`, {
            slug: 'payments',
            verifier: {
              type: 'hmac',
              header: 'x-signature',
              algorithm: 'sha256',
              encoding: 'hex',
              prefix: 'sha256=',
              secret: SECRET,
            },
          })
        ).status,
      ).toBe(201);
      const rule = await t.api.post(`${base}/rules`, {
        name: 'payment-resolves-promise',
        pattern: { source: ['webhook:payments'], type: ['payment.succeeded'] },
        targets: [
          {
            type: 'promise',
            mode: 'resolve',
            promise: "join('', ['key:payment:', data.paymentId])",
            value: 'data',
          },
        ],
      });
      expect(rule.status).toBe(201);
      const held = await t.api.post(`${base}/rules`, {
        name: 'hold-workflow',
        pattern: { type: ['hold.started'] },
        targets: [{ type: 'workflow', kind: 'held', idempotencyKey: "join(':', ['held', data.name])" }],
      });
      expect(held.status).toBe(201);
    });
    afterAll(async () => t?.close());

    /** The id of a pending workflow its rule starts for `name` (a promise needs a live workflow of the org). */
    async function workflowNamed(name: string): Promise<string> {
      const sent = await t.api.post(`${base}/events`, { type: 'hold.started', data: { name } });
      expect(sent.status, sent.text).toBe(200);
      return eventually(
        async () =>
          (await t.api.get(`${base}/engine/workflows?kind=held&limit=200`)).body.items?.find(
            (w: { idempotencyKey: string }) => w.idempotencyKey === `held:${name}`,
          )?.id,
        10_000,
        `the workflow ${name}`,
      );
    }

    const deliver = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${t.url}${base}/in/payments`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-signature': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
          ...headers,
        },
        body,
      });
    const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

    it('resolves the awaited promise once', async () => {
      const created = await t.api.post(`${base}/engine/promises`, { key: 'payment:pi_42' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ key: 'payment:pi_42', status: 'pending' });
      const waiting = t.api.get(`${base}/engine/promises/${created.body.id}/await?timeoutMs=15000`);

      const body = JSON.stringify({ type: 'payment.succeeded', paymentId: 'pi_42', amount: 1299 });
      const first = await deliver(body, { traceparent: TRACEPARENT });
      expect(first.status).toBe(200);
      const { eventId: paymentEvent } = (await first.json()) as { eventId: string };
      const resolved = await waiting;
      expect(resolved.status).toBe(200);
      expect(resolved.body).toMatchObject({
        id: created.body.id,
        status: 'resolved',
        value: { type: 'payment.succeeded', paymentId: 'pi_42', amount: 1299 },
      });
      // Its lifecycle events spell the status in upper case, as the executions' (and Flovyn's) do.
      const lifecycle = await eventually(async () => {
        const e = await t.api.get(`${base}/events?source=system:promises`);
        return e.body.items?.length === 2 ? e.body.items : undefined;
      });
      expect(lifecycle.map((e: any) => [e.type, e.data.status])).toEqual([
        ['promise.resolved', 'RESOLVED'],
        ['promise.created', 'PENDING'],
      ]);
      // The settlement goes on in the correlation and trace of the event that settled it, as executions' events do;
      // the promise a worker made for no workflow has no cause.
      expect(lifecycle[0]).toMatchObject({ correlationId: paymentEvent, traceparent: TRACEPARENT });
      expect(lifecycle[1]).toMatchObject({ correlationId: null, traceparent: null });

      // The same payment reported again (a new delivery, so not a duplicate at ingest): the promise keeps its value.
      const second = await deliver(
        JSON.stringify({ type: 'payment.succeeded', paymentId: 'pi_42', amount: 1 }),
      );
      const { eventId } = (await second.json()) as { eventId: string };
      const action = await eventually(async () => {
        const e = await t.api.get(`${base}/events/${eventId}`);
        return e.body.actions?.[0]?.status === 'succeeded' ? e.body.actions[0] : undefined;
      });
      expect(action.result).toEqual({ promiseId: created.body.id, settled: false });
      const after = await t.api.get(`${base}/engine/promises/key:payment:pi_42`);
      expect(after.body).toMatchObject({
        status: 'resolved',
        value: { amount: 1299 },
        settledAt: resolved.body.settledAt,
      });
    });

    it('gives a promise made for a workflow that workflow’s correlation and trace', async () => {
      const rule = await t.api.post(`${base}/rules`, {
        name: 'order-awaits-payment',
        pattern: { type: ['order.awaiting-payment'] },
        targets: [{ type: 'workflow', kind: 'await-payment' }],
      });
      expect(rule.status).toBe(201);
      const published = await t.api.post(`${base}/events`, {
        type: 'order.awaiting-payment',
        data: { order: 7 },
        correlationid: 'order-7',
        traceparent: TRACEPARENT,
      });
      expect(published.status).toBe(200);
      const workflow = await eventually(
        async () => (await t.api.get(`${base}/engine/workflows?kind=await-payment`)).body.items?.[0],
      );
      const created = await t.api.post(`${base}/engine/promises`, {
        key: 'payment:order-7',
        workflowId: workflow.id,
      });
      expect(created.status).toBe(201);
      const events = await t.api.get(`${base}/events?source=system:promises&type=promise.created`);
      expect(events.body.items.find((e: any) => e.subject === created.body.id)).toMatchObject({
        correlationId: 'order-7',
        traceparent: TRACEPARENT,
      });
    });

    it('answers a promise made again by its key as it is (200, created: false); another workflow’s key is a 409', async () => {
      const [wfAgain, wfOther] = [await workflowNamed('again'), await workflowNamed('other')];
      const made = await t.api.post(`${base}/engine/promises`, {
        key: 'payment:again',
        workflowId: wfAgain,
      });
      expect(made.status, made.text).toBe(201);
      expect(made.body).toMatchObject({ key: 'payment:again', status: 'pending', created: true });
      // The workflow's worker crashed; the one resuming it makes the promise again and gets the same one.
      const again = await t.api.post(`${base}/engine/promises`, {
        key: 'payment:again',
        workflowId: wfAgain,
      });
      expect(again.status, again.text).toBe(200);
      expect(again.body).toEqual({ ...made.body, created: false });

      // Settled meanwhile, it is answered settled, so the resumed workflow goes on with the value.
      const paid = await deliver(JSON.stringify({ type: 'payment.succeeded', paymentId: 'again' }));
      expect(paid.status).toBe(200);
      await eventually(
        async () =>
          (await t.api.get(`${base}/engine/promises/key:payment:again`)).body.status === 'resolved' ||
          undefined,
      );
      const settled = await t.api.post(`${base}/engine/promises`, {
        key: 'payment:again',
        workflowId: wfAgain,
      });
      expect(settled.status).toBe(200);
      expect(settled.body).toMatchObject({ id: made.body.id, status: 'resolved', created: false });

      // One promise.created, however often it was made.
      const createdEvents = await t.api.get(`${base}/events?source=system:promises&type=promise.created`);
      expect(createdEvents.body.items.filter((e: any) => e.subject === made.body.id)).toHaveLength(1);

      // Another workflow's promise (or one made for none) under the same key would share its settlement unknowingly.
      for (const other of [{ workflowId: wfOther }, {}]) {
        const clash = await t.api.post(`${base}/engine/promises`, { key: 'payment:again', ...other });
        expect(clash.status, clash.text).toBe(409);
        expect(clash.body).toMatchObject({ code: 'EH_ENGINE_CONFLICT' });
        expect(clash.body.detail).toContain(
          `promise key payment:again already names promise ${made.body.id}`,
        );
      }
    });

    it('returns a still-pending promise when the long-poll times out', async () => {
      const created = await t.api.post(`${base}/engine/promises`, { key: 'payment:never' });
      const started = Date.now();
      const res = await t.api.get(`${base}/engine/promises/${created.body.id}/await?timeoutMs=300`);
      expect(res.body.status).toBe('pending');
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    });

    it('lists promises newest first, by status and workflow, a page at a time', async () => {
      // The org's promises so far (the tests above made some): the new ones come before them.
      const earlier = (await t.api.get(`${base}/engine/promises?limit=200`)).body.items.map((p: any) => p.id);
      const wfList = await workflowNamed('list');
      const made: string[] = [];
      for (let i = 0; i < 5; i++) {
        const created = await t.api.post(`${base}/engine/promises`, {
          key: `payment:list_${i}`,
          ...(i % 2 === 0 ? { workflowId: wfList } : {}),
        });
        expect(created.status).toBe(201);
        made.push(created.body.id);
      }
      const paid = await deliver(JSON.stringify({ type: 'payment.succeeded', paymentId: 'list_0' }));
      expect(paid.status).toBe(200);
      await eventually(
        async () =>
          (await t.api.get(`${base}/engine/promises/${made[0]}`)).body.status === 'resolved' || undefined,
      );

      const all = await t.api.get(`${base}/engine/promises?limit=200`);
      expect(all.status).toBe(200);
      expect(all.body.items.map((p: any) => p.id)).toEqual([...made].reverse().concat(earlier));
      expect(all.body.nextCursor).toBeNull();

      // Pages of two follow one another to the end, each item once.
      const paged: string[] = [];
      let cursor: string | null = null;
      do {
        const page: any = await t.api.get(
          `${base}/engine/promises?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        expect(page.status).toBe(200);
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        paged.push(...page.body.items.map((p: any) => p.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(paged).toEqual(all.body.items.map((p: any) => p.id));

      const ofWorkflow = await t.api.get(`${base}/engine/promises?workflowId=${wfList}`);
      expect(ofWorkflow.body.items.map((p: any) => p.id)).toEqual([made[4], made[2], made[0]]);
      const pendingOfWorkflow = await t.api.get(
        `${base}/engine/promises?workflowId=${wfList}&status=pending`,
      );
      expect(pendingOfWorkflow.body.items.map((p: any) => p.id)).toEqual([made[4], made[2]]);
      const resolved = await t.api.get(`${base}/engine/promises?status=resolved`);
      expect(resolved.body.items[0]).toMatchObject({
        id: made[0],
        status: 'resolved',
        workflowId: wfList,
      });
      expect(resolved.body.items.every((p: any) => p.status === 'resolved')).toBe(true);

      const invalid = await t.api.get(`${base}/engine/promises?status=settled`);
      expect(invalid.status).toBe(400);
      // Another org's promises are not listed.
      expect((await t.api.post('/api/orgs', { slug: 'other', name: 'Other' })).status).toBe(201);
      const other = await t.api.get('/api/orgs/other/eventhook/engine/promises');
      expect(other.status).toBe(200);
      expect(other.body.items).toEqual([]);
    });
  });
}
