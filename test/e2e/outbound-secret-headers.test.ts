// An endpoint's secret headers: write-only credentials sent with every delivery and test message, sealed at rest (the
// database holds no clear value), never returned (GET names them, values masked), redacted from recorded attempts,
// replaced as a whole map on update where the mask sent back keeps a stored value, and never also a plain header.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendAvailable, BACKENDS, type TestApp } from '../helpers/app.js';
import {
  BASE,
  createEndpoint,
  createRule,
  getAction,
  type Receiver,
  type Send,
  startOutbound,
  stopOutbound,
  waitForAction,
} from '../helpers/outbound.js';

const KEY = 's3cr3t-Kq8Wm2';
const TENANT_KEY = 'tenant-key-Zr5Tx7';
const NEW_KEY = 'rotated-key-Pl3Vb9';

/** Everything the backend stores, as text: every file of the SQLite data folder, or every endpoint and attempt row. */
async function storedText(t: TestApp): Promise<string> {
  const url = t.app.config.databaseUrl;
  if (url === undefined || !url.startsWith('postgres')) {
    return Buffer.concat(readdirSync(t.dataDir).map((f) => readFileSync(join(t.dataDir, f)))).toString(
      'latin1',
    );
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const rows = [
      ...(await client.query('select * from endpoints')).rows,
      ...(await client.query('select * from attempts')).rows,
      ...(await client.query('select * from audit_log')).rows,
    ];
    return JSON.stringify(rows);
  } finally {
    await client.end();
  }
}

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`endpoint secret headers — ${backend}`, () => {
    let t: TestApp;
    let receiver: Receiver;
    let send: Send;

    beforeAll(async () => {
      ({ t, receiver, send } = await startOutbound(backend));
    });
    afterAll(() => stopOutbound(t, receiver));

    const arrivals = (path: string) => receiver.requests.filter((r) => r.path === path);

    it('sends them with deliveries and test messages, never shows them, and stores them sealed', async () => {
      const created = await createEndpoint(t, {
        slug: 'crm',
        url: `${receiver.url}/crm`,
        headers: { 'x-team': 'billing' },
        secretHeaders: { 'X-Custom-Key': KEY, 'x-tenant-key': TENANT_KEY },
      });
      const shown = { 'x-custom-key': '[redacted]', 'x-tenant-key': '[redacted]' };
      expect(created.secretHeaders).toEqual(shown);
      expect(created.headers).toEqual({ 'x-team': 'billing' });
      const key = await t.api.post('/api/orgs/default/api-keys', { name: 'reader', role: 'member' });
      const member = t.api.as(key.body.key);
      for (const res of [
        await member.get(`${BASE}/endpoints/crm`),
        await t.api.get(`${BASE}/endpoints/crm`),
        await t.api.get(`${BASE}/endpoints`),
      ]) {
        expect(res.status, res.text).toBe(200);
        expect(res.text).not.toContain(KEY);
        expect(res.text).not.toContain(TENANT_KEY);
      }
      expect((await member.get(`${BASE}/endpoints/crm`)).body.secretHeaders).toEqual(shown);

      await createRule(t, 'crm', 'crm.test', [{ endpoint: 'crm' }]);
      const eventId = await send({ type: 'crm.test' });
      const action = await waitForAction(t, eventId, (a) => a.status === 'succeeded');
      const [got] = arrivals('/crm');
      expect(got!.headers).toMatchObject({
        'x-custom-key': KEY,
        'x-tenant-key': TENANT_KEY,
        'x-team': 'billing',
      });
      const detail = await getAction(t, action.id);
      expect(detail.attempts[0].request.headers).toMatchObject({ ...shown, 'x-team': 'billing' });
      expect(JSON.stringify(detail)).not.toContain(KEY);

      const probe = await t.api.post(`${BASE}/endpoints/crm/test`, {});
      expect(probe.status, probe.text).toBe(200);
      expect(arrivals('/crm')[1]!.headers['x-custom-key']).toBe(KEY);
      expect(probe.body.request.headers).toMatchObject(shown);
      expect(probe.text).not.toContain(KEY);

      const stored = await storedText(t);
      expect(stored).toContain('x-custom-key');
      expect(stored).not.toContain(KEY);
      expect(stored).not.toContain(TENANT_KEY);
    });

    it('replaces the whole map on update: the mask keeps a stored value, a name left out goes', async () => {
      await createEndpoint(t, {
        slug: 'partner',
        url: `${receiver.url}/partner`,
        secretHeaders: { 'x-custom-key': KEY, 'x-tenant-key': TENANT_KEY },
      });
      const read = (await t.api.get(`${BASE}/endpoints/partner`)).body.secretHeaders;
      // What was read, sent back with one value changed and one header added.
      const res = await t.api.patch(`${BASE}/endpoints/partner`, {
        secretHeaders: { ...read, 'x-tenant-key': NEW_KEY, 'x-extra': 'extra-Vn4' },
      });
      expect(res.status, res.text).toBe(200);
      expect(res.body.secretHeaders).toEqual({
        'x-custom-key': '[redacted]',
        'x-tenant-key': '[redacted]',
        'x-extra': '[redacted]',
      });
      await t.api.post(`${BASE}/endpoints/partner/test`, {});
      expect(arrivals('/partner').at(-1)!.headers).toMatchObject({
        'x-custom-key': KEY,
        'x-tenant-key': NEW_KEY,
        'x-extra': 'extra-Vn4',
      });
      // A PATCH without secretHeaders leaves them alone; one with a smaller map removes the rest.
      expect((await t.api.patch(`${BASE}/endpoints/partner`, { description: 'p' })).status).toBe(200);
      const fewer = await t.api.patch(`${BASE}/endpoints/partner`, {
        secretHeaders: { 'x-custom-key': '[redacted]' },
      });
      expect(fewer.body.secretHeaders).toEqual({ 'x-custom-key': '[redacted]' });
      await t.api.post(`${BASE}/endpoints/partner/test`, {});
      const last = arrivals('/partner').at(-1)!.headers;
      expect(last['x-custom-key']).toBe(KEY);
      expect(last['x-tenant-key']).toBeUndefined();
      expect(last['x-extra']).toBeUndefined();
      const none = await t.api.patch(`${BASE}/endpoints/partner`, { secretHeaders: {} });
      expect(none.body.secretHeaders).toEqual({});
    });

    it('refuses the mask for a name not stored, a name also in headers, and names Eventhook sets', async () => {
      const cases: Array<[Record<string, unknown>, string, RegExp]> = [
        [{ secretHeaders: { 'x-new': '[redacted]' } }, '/secretHeaders/x-new', /placeholder/],
        [
          { headers: { 'x-custom-key': 'a' }, secretHeaders: { 'x-custom-key': 'b' } },
          '/secretHeaders/x-custom-key',
          /either plain or secret/,
        ],
        [
          { secretHeaders: { 'webhook-signature': 'x' } },
          '/secretHeaders/webhook-signature',
          /set by Eventhook/,
        ],
        [{ secretHeaders: { 'Content-Type': 'x' } }, '/secretHeaders/Content-Type', /set by Eventhook/],
        [{ secretHeaders: { host: 'x' } }, '/secretHeaders/host', /set by Eventhook/],
        [{ secretHeaders: { 'bad name': 'x' } }, '/secretHeaders/bad name', /valid header name/],
        [{ secretHeaders: { 'x-a': 'line\nbreak' } }, '/secretHeaders/x-a', /CR, LF/],
      ];
      for (const [fields, path, message] of cases) {
        const res = await t.api.post(`${BASE}/endpoints`, {
          slug: 'refused',
          url: 'https://example.com/',
          ...fields,
        });
        expect(res.status, `${JSON.stringify(fields)}: ${res.text}`).toBe(400);
        expect(res.body.errors).toEqual([
          expect.objectContaining({ path, message: expect.stringMatching(message) }),
        ]);
      }
      // On update, against what is stored: a plain header may not take a secret header's name.
      await createEndpoint(t, {
        slug: 'mixed',
        url: 'https://example.com/',
        secretHeaders: { 'x-custom-key': KEY },
      });
      const clash = await t.api.patch(`${BASE}/endpoints/mixed`, { headers: { 'X-Custom-Key': 'plain' } });
      expect(clash.status).toBe(400);
      expect(clash.body.errors).toEqual([expect.objectContaining({ path: '/secretHeaders/x-custom-key' })]);
      // Moving it from secret to plain in one update is fine.
      const moved = await t.api.patch(`${BASE}/endpoints/mixed`, {
        headers: { 'x-custom-key': 'plain' },
        secretHeaders: {},
      });
      expect(moved.status, moved.text).toBe(200);
      // Stored as given and shown: its name is no credential-looking one, which is why secretHeaders exist.
      expect(moved.body.headers).toEqual({ 'x-custom-key': 'plain' });
      expect(moved.body.secretHeaders).toEqual({});
    });
  });
}
