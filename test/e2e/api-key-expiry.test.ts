// API keys that expire: a key made with expiresAt works until then and is refused after, saying it expired (not
// that it is unknown), wherever it is used; its expiry shows where the key is listed, in /me and in the audit log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { backendAvailable, BACKENDS, startTestApp, type TestApp } from '../helpers/app.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 11, 7, 9);

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`API keys that expire — ${backend}`, () => {
    let t: TestApp;
    const clock = new ManualClock(T0);
    beforeAll(async () => {
      t = await startTestApp(backend, { clock });
      expect((await t.api.post('/api/orgs', { slug: 'acme' })).status).toBe(201);
    });
    afterAll(async () => t?.close());

    it('works until it expires, then every call with it is refused as expired', async () => {
      clock.set(T0);
      const expiresAt = new Date(T0 + 24 * HOUR).toISOString();
      const made = await t.api.post('/api/orgs/acme/api-keys', { name: 'ci', role: 'admin', expiresAt });
      expect(made.status, made.text).toBe(201);
      expect(made.body.expiresAt).toBe(expiresAt);
      const ci = t.api.as(made.body.key);
      expect((await ci.get('/api/orgs/acme/me')).body).toMatchObject({ name: 'ci', expiresAt });
      const listed = (await t.api.get('/api/orgs/acme/api-keys')).body.items;
      expect(listed.find((k: { id: string }) => k.id === made.body.id)).toMatchObject({ expiresAt });

      clock.set(T0 + 24 * HOUR - 1);
      expect((await ci.get('/api/orgs/acme/eventhook/rules')).status).toBe(200);
      clock.set(T0 + 24 * HOUR);
      for (const [method, path] of [
        ['GET', '/api/orgs/acme/eventhook/rules'],
        ['GET', '/api/orgs/acme/me'],
        ['POST', '/api/orgs/acme/eventhook/endpoints'],
      ] as const) {
        const refused = await ci.request(
          method,
          path,
          method === 'POST' ? { slug: 'x', url: 'https://example.com' } : undefined,
        );
        expect(refused.status, path).toBe(401);
        expect(refused.body).toMatchObject({
          code: 'EH_AUTH_EXPIRED',
          detail: `The API key expired at ${expiresAt}`,
        });
      }
      // Nothing was made with it after it expired.
      expect((await t.api.get('/api/orgs/acme/eventhook/endpoints')).body.items).toEqual([]);
      // A key without an expiry is not affected by the time.
      clock.set(T0 + 1000 * 24 * HOUR);
      const lasting = await t.api.post('/api/orgs/acme/api-keys', { name: 'forever', role: 'member' });
      expect(lasting.body.expiresAt).toBeNull();
      expect((await t.api.as(lasting.body.key).get('/api/orgs/acme/me')).body.expiresAt).toBeNull();
    });

    it('refuses an expiry that is not in the future, and records the expiry among the fields set', async () => {
      clock.set(T0);
      for (const expiresAt of [new Date(T0).toISOString(), new Date(T0 - HOUR).toISOString()]) {
        const r = await t.api.post('/api/orgs/acme/api-keys', { name: 'late', expiresAt });
        expect(r.status).toBe(400);
        expect(r.body.errors).toEqual([
          { path: '/expiresAt', message: `must be in the future (it is ${new Date(T0).toISOString()})` },
        ]);
      }
      const bad = await t.api.post('/api/orgs/acme/api-keys', { name: 'late', expiresAt: 'tomorrow' });
      expect(bad.status).toBe(400);
      expect(bad.body.errors[0].path).toBe('/expiresAt');
      // None of them was made.
      const names = (await t.api.get('/api/orgs/acme/api-keys')).body.items.map(
        (k: { name: string }) => k.name,
      );
      expect(names).not.toContain('late');

      const made = await t.api.post('/api/orgs/acme/api-keys', {
        name: 'contractor',
        role: 'member',
        expiresAt: new Date(T0 + HOUR).toISOString(),
      });
      const log = (await t.api.get('/api/orgs/acme/eventhook/audit-log?resource=api_key&name=contractor'))
        .body;
      expect(log.items).toEqual([
        expect.objectContaining({
          resourceId: made.body.id,
          action: 'created',
          fields: ['expiresAt', 'name', 'role'],
        }),
      ]);
    });

    it('a key that expires makes no key that outlives it: its expiry would mean nothing', async () => {
      clock.set(T0);
      const until = new Date(T0 + 2 * HOUR).toISOString();
      const made = await t.api.post('/api/orgs/acme/api-keys', {
        name: 'temp',
        role: 'admin',
        expiresAt: until,
      });
      const temp = t.api.as(made.body.key);
      const later = new Date(T0 + 3 * HOUR).toISOString();
      for (const body of [
        { name: 'temp-forever', role: 'admin' },
        { name: 'temp-later', role: 'member', expiresAt: later },
      ]) {
        const refused = await temp.post('/api/orgs/acme/api-keys', body);
        expect([refused.status, refused.body.code], refused.text).toEqual([400, 'EH_REQUEST_INVALID']);
        expect(refused.body.errors).toEqual([
          {
            path: '/expiresAt',
            message: `must be at or before ${until}, when the key making it expires`,
          },
        ]);
      }
      // Until its own expiry it may, and a key without one (or the operator token) makes lasting keys.
      const shorter = await temp.post('/api/orgs/acme/api-keys', { name: 'ci', expiresAt: until });
      expect([shorter.status, shorter.body.expiresAt]).toEqual([201, until]);
      expect((await t.api.post('/api/orgs/acme/api-keys', { name: 'ops' })).status).toBe(201);
      const names = (await t.api.get('/api/orgs/acme/api-keys')).body.items.map(
        (k: { name: string }) => k.name,
      );
      expect(names).not.toContain('temp-forever');
      expect(names).not.toContain('temp-later');
    });
  });
}
