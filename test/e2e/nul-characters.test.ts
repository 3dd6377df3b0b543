// The NUL character (U+0000), which a PostgreSQL text value cannot hold: a webhook whose event type, subject or
// idempotency key carries one is still stored (NUL kept as U+FFFD; on either store, so both behave alike), and an
// API call that gives one in a name, a description or a query is refused with 400, never a 500, on either store
// (SQLite could store it; it refuses it so a deployment answers the same on both).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendAvailable, BACKENDS, startTestApp, type TestApp } from '../helpers/app.js';
import { BASE, createSource, deliver } from '../helpers/ingest.js';

const JSON_CT = { 'content-type': 'application/json' };

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`NUL characters — ${backend}`, () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp(backend);
      await createSource(t, {
        slug: 'open',
        verifier: { type: 'none' },
        eventType: { jmespath: 'kind' },
        idempotencyKeys: ['body.id'],
      });
    });
    afterAll(async () => t?.close());

    it('a webhook with NUL in its type and idempotency key is stored, and its redelivery is a duplicate', async () => {
      const body = JSON.stringify({ kind: 'order\u0000paid', id: 'ord\u00001' });
      const first = await deliver(t, 'open', { headers: JSON_CT, body });
      expect([first.status, first.json?.duplicate], first.text).toEqual([200, false]);
      const again = await deliver(t, 'open', { headers: JSON_CT, body });
      expect([again.status, again.json]).toEqual([200, { eventId: first.json.eventId, duplicate: true }]);
      const event = await t.api.get(`${BASE}/events/${first.json.eventId}`);
      expect(event.body).toMatchObject({ type: 'order\uFFFDpaid', data: { kind: 'order\u0000paid' } });
    });

    it('a webhook whose body does not parse because of a NUL is kept as a failed event, not a 500', async () => {
      const res = await deliver(t, 'open', { headers: JSON_CT, body: '{"kind":\u0000}' });
      expect([res.status, res.json?.code], res.text).toEqual([400, 'EH_INGEST_MALFORMED']);
      const id = /stored as (evt_\w+)/.exec(res.text)?.[1];
      const event = await t.api.get(`${BASE}/events/${id}`);
      expect(event.body.status).toBe('failed');
      expect(event.body.error).not.toContain('\u0000');
    });
  });
}

for (const backend of BACKENDS) {
  describe.skipIf(!(await backendAvailable(backend)))(`NUL characters in API calls — ${backend}`, () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp(backend);
    });
    afterAll(async () => t?.close());

    it('a name, a description, a key or a query parameter with NUL is a 400, never a 500', async () => {
      const rule = { pattern: { type: ['x'] }, targets: [{ type: 'task', kind: 'k' }] };
      const calls = [
        () => t.api.post(`${BASE}/rules`, { ...rule, name: 'r\u0000' }),
        () => t.api.post(`${BASE}/rules`, { ...rule, name: 'r', description: 'd\u0000' }),
        () => t.api.post('/api/orgs/default/api-keys', { name: 'k\u0000' }),
        () => t.api.post(`${BASE}/engine/promises`, { key: 'p\u0000' }),
        () => t.api.get(`${BASE}/events?q=%00`),
        () => t.api.get(`${BASE}/audit-log?name=%00`),
      ];
      for (const call of calls) {
        const res = await call();
        expect([res.status, res.body.code], res.text).toEqual([400, 'EH_REQUEST_INVALID']);
        expect(res.body.detail).toContain('NUL');
      }
      // A published event is refused for itself, at its field; the events published with it in one group commit are
      // stored (a batch-wide refusal in the store would fail them all).
      const published = await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          t.api.post(
            `${BASE}/events`,
            i === 12 ? { type: 'order\u0000paid' } : { type: 'order.paid', data: { i } },
          ),
        ),
      );
      expect(published[12]!.status).toBe(400);
      expect(published[12]!.body.code).toBe('EH_EVENT_INVALID');
      expect(published[12]!.body.errors).toEqual([
        { path: '/type', message: 'must not contain the NUL character (U+0000)' },
      ]);
      expect(published.filter((r) => r.status === 200)).toHaveLength(23);
      // Nothing of them was stored, and the same calls without the NUL go through.
      expect((await t.api.post(`${BASE}/rules`, { ...rule, name: 'r' })).status).toBe(201);
      expect((await t.api.get(`${BASE}/events?q=x`)).status).toBe(200);
    });
  });
}
