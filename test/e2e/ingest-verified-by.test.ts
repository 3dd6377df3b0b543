// Whether a webhook was verified is a fact of its arrival, kept with the event: a source whose verifier changes later
// (none → hmac, or back) does not change what its earlier events say. Published events were never verified by a
// source, and say so with null.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendAvailable, BACKENDS, startTestApp, type TestApp } from '../helpers/app.js';
import { BASE, createSource, deliver } from '../helpers/ingest.js';

const SECRET = 'verified-by-secret';
const HMAC = { type: 'hmac', header: 'x-sig', algorithm: 'sha256', encoding: 'hex', secret: SECRET };

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`an event keeps how it was verified — ${backend}`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(backend);
      await createSource(t, { slug: 'changing', verifier: { type: 'none' } });
    });
    afterAll(async () => t?.close());

    const verifiedBy = async (id: string) => {
      const one = await t.api.get(`${BASE}/events/${id}`);
      expect(one.status, one.text).toBe(200);
      const listed = (await t.api.get(`${BASE}/events?limit=100`)).body.items.find(
        (e: { id: string }) => e.id === id,
      );
      expect(listed.verifiedBy).toBe(one.body.verifiedBy);
      return one.body.verifiedBy as string | null;
    };
    const send = async (signed: boolean) => {
      const body = JSON.stringify({ type: 'order.created', signed });
      const sig = createHmac('sha256', SECRET).update(body).digest('hex');
      const res = await deliver(t, 'changing', {
        headers: { 'content-type': 'application/json', ...(signed ? { 'x-sig': sig } : {}) },
        body,
      });
      expect(res.status, res.text).toBe(200);
      return res.json.eventId as string;
    };
    const setVerifier = async (verifier: object) => {
      const res = await t.api.patch(`${BASE}/sources/changing`, { verifier });
      expect(res.status, res.text).toBe(200);
    };

    it('is recorded at ingest and does not follow the source’s later verifier', async () => {
      const open = await send(false);
      expect(await verifiedBy(open)).toBe('none');

      await setVerifier(HMAC);
      const signed = await send(true);
      expect(await verifiedBy(signed)).toBe('hmac');
      expect(await verifiedBy(open)).toBe('none');

      // Another verifier now; the signed event still says what verified it.
      await setVerifier({ type: 'api_key', name: 'x-key', key: 'later-key' });
      expect(await verifiedBy(signed)).toBe('hmac');
    });

    it('is null for a published event', async () => {
      const res = await t.api.post(`${BASE}/events`, { type: 'order.created', data: {} });
      expect(res.status, res.text).toBe(200);
      const id = (res.body.eventId ?? res.body.ids?.[0] ?? res.body.eventIds?.[0]) as string;
      expect(await verifiedBy(id)).toBeNull();
    });
  });
}
