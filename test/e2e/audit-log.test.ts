// The audit log: every configuration change of an org — sources, rules, endpoints, grants, API keys — is recorded
// in the change's own transaction with who made it (a key by id, name and role; the operator; Eventhook itself),
// which fields it set and the version it left; a refused change leaves nothing. Read newest first, a page at a time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  backendAvailable,
  BACKENDS,
  eventually,
  startTestApp,
  type ApiClient,
  type TestApp,
} from '../helpers/app.js';
import {
  BASE,
  createEndpoint,
  createRule,
  ingestSource,
  settledActions,
  startReceiver,
  type Receiver,
} from '../helpers/outbound.js';

interface Entry {
  id: string;
  at: string;
  resource: string;
  resourceId: string;
  name: string;
  action: string;
  fields: string[];
  actor: Record<string, unknown>;
  updatedAt: string | null;
}

const SOURCE_SECRET = 'audit-source-secret-1';
const ROTATED_SOURCE_SECRET = 'audit-source-secret-2';
const BASIC_PASSWORD = 'audit-basic-password';

/** The whole audit log (or the part `query` selects), newest first, read a page of `limit` at a time. */
async function readAll(api: ApiClient, query = '', limit = 3): Promise<Entry[]> {
  const out: Entry[] = [];
  let cursor: string | null = null;
  do {
    const page: { status: number; text: string; body: { items: Entry[]; nextCursor: string | null } } =
      await api.get(`${BASE}/audit-log?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(page.status, page.text).toBe(200);
    expect(page.body.items.length).toBeLessThanOrEqual(limit);
    out.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return out;
}

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`audit log — ${backend}`, () => {
    let t: TestApp;
    let receiver: Receiver;
    let alice: ApiClient;
    let aliceId: string;
    let bob: ApiClient;
    let bobId: string;
    beforeAll(async () => {
      receiver = await startReceiver((_req, res) => {
        res.writeHead(410).end('gone');
      });
      t = await startTestApp(backend, { env: { EVENTHOOK_OUTBOUND_ALLOW: '127.0.0.1' } });
      expect((await t.api.post('/api/orgs', { slug: 'partner' })).status).toBe(201);
      const a = await t.api.post('/api/orgs/default/api-keys', { name: 'alice', role: 'admin' });
      const b = await t.api.post('/api/orgs/default/api-keys', { name: 'bob', role: 'member' });
      alice = t.api.as(a.body.key);
      aliceId = a.body.id;
      bob = t.api.as(b.body.key);
      bobId = b.body.id;
    });
    afterAll(async () => {
      await t?.close();
      await receiver?.close();
    });

    it('records each change of each kind with its author, the fields it set and the version it left', async () => {
      const before = (await readAll(t.api)).length;
      const src = await alice.post(`${BASE}/sources`, {
        slug: 'shop',
        verifier: {
          type: 'hmac',
          header: 'x-sig',
          algorithm: 'sha256',
          encoding: 'hex',
          secret: SOURCE_SECRET,
        },
      });
      expect(src.status, src.text).toBe(201);
      const srcPatched = await alice.patch(`${BASE}/sources/shop`, {
        description: 'the shop',
        enabled: false,
      });
      expect(srcPatched.status).toBe(200);
      const srcRotated = await alice.post(`${BASE}/sources/shop/rotate-secret`, {
        secret: ROTATED_SOURCE_SECRET,
      });
      expect(srcRotated.status).toBe(200);

      const ep = await alice.post(`${BASE}/endpoints`, {
        slug: 'crm',
        url: 'https://example.com/hooks',
        auth: { type: 'basic', username: 'eh', password: BASIC_PASSWORD },
      });
      expect(ep.status, ep.text).toBe(201);
      const epPatched = await alice.patch(`${BASE}/endpoints/crm`, { timeoutMs: 2000, status: 'paused' });
      expect(epPatched.status).toBe(200);
      const epEnabled = await alice.post(`${BASE}/endpoints/crm/enable`);
      expect(epEnabled.status).toBe(200);
      const epRotated = await alice.post(`${BASE}/endpoints/crm/rotate-secret`, {});
      expect(epRotated.status).toBe(200);

      const rule = await alice.post(`${BASE}/rules`, {
        name: 'orders',
        pattern: { type: ['order.created'] },
        targets: [{ type: 'webhook', endpoint: 'crm' }],
      });
      expect(rule.status, rule.text).toBe(201);
      const rulePatched = await alice.patch(`${BASE}/rules/orders`, { enabled: false });
      expect(rulePatched.status).toBe(200);

      const grant = await alice.post(`${BASE}/grants`, { fromOrg: 'partner', eventTypes: ['invoice.*'] });
      expect(grant.status).toBe(201);
      const grantPatched = await alice.patch(`${BASE}/grants/${grant.body.id}`, { eventTypes: null });
      expect(grantPatched.status).toBe(200);

      // The operator makes a key; alice revokes it.
      const key = await t.api.post('/api/orgs/default/api-keys', { name: 'ci', role: 'publisher' });
      expect((await alice.delete(`/api/orgs/default/api-keys/${key.body.id}`)).status).toBe(204);

      expect((await alice.delete(`${BASE}/rules/orders`)).status).toBe(204);
      expect((await alice.delete(`${BASE}/grants/${grant.body.id}`)).status).toBe(204);
      expect((await alice.delete(`${BASE}/endpoints/crm`)).status).toBe(204);
      expect((await alice.delete(`${BASE}/sources/shop`)).status).toBe(204);

      const all = await readAll(bob);
      const entries = all.slice(0, all.length - before).reverse();
      const asAlice = { kind: 'key', id: aliceId, name: 'alice', role: 'admin' };
      const version = (r: { body: { updatedAt: string } }) => r.body.updatedAt;
      expect(
        entries.map(({ resource, name, action, fields, actor, updatedAt }) => ({
          resource,
          name,
          action,
          fields,
          actor,
          updatedAt,
        })),
      ).toEqual([
        {
          resource: 'source',
          name: 'shop',
          action: 'created',
          fields: ['slug', 'verifier'],
          actor: asAlice,
          updatedAt: version(src),
        },
        {
          resource: 'source',
          name: 'shop',
          action: 'updated',
          fields: ['description', 'enabled'],
          actor: asAlice,
          updatedAt: version(srcPatched),
        },
        {
          resource: 'source',
          name: 'shop',
          action: 'secret_rotated',
          fields: ['secrets'],
          actor: asAlice,
          updatedAt: version(srcRotated),
        },
        {
          resource: 'endpoint',
          name: 'crm',
          action: 'created',
          fields: ['auth', 'slug', 'url'],
          actor: asAlice,
          updatedAt: version(ep),
        },
        {
          resource: 'endpoint',
          name: 'crm',
          action: 'updated',
          fields: ['status', 'timeoutMs'],
          actor: asAlice,
          updatedAt: version(epPatched),
        },
        {
          resource: 'endpoint',
          name: 'crm',
          action: 'enabled',
          fields: ['status'],
          actor: asAlice,
          updatedAt: version(epEnabled),
        },
        {
          resource: 'endpoint',
          name: 'crm',
          action: 'secret_rotated',
          fields: ['secrets'],
          actor: asAlice,
          updatedAt: version(epRotated),
        },
        {
          resource: 'rule',
          name: 'orders',
          action: 'created',
          fields: ['name', 'pattern', 'targets'],
          actor: asAlice,
          updatedAt: version(rule),
        },
        {
          resource: 'rule',
          name: 'orders',
          action: 'updated',
          fields: ['enabled'],
          actor: asAlice,
          updatedAt: version(rulePatched),
        },
        {
          resource: 'grant',
          name: 'partner',
          action: 'created',
          fields: ['eventTypes', 'fromOrg'],
          actor: asAlice,
          updatedAt: version(grant),
        },
        {
          resource: 'grant',
          name: 'partner',
          action: 'updated',
          fields: ['eventTypes'],
          actor: asAlice,
          updatedAt: version(grantPatched),
        },
        {
          resource: 'api_key',
          name: 'ci',
          action: 'created',
          fields: ['name', 'role'],
          actor: { kind: 'operator' },
          updatedAt: null,
        },
        { resource: 'api_key', name: 'ci', action: 'revoked', fields: [], actor: asAlice, updatedAt: null },
        { resource: 'rule', name: 'orders', action: 'deleted', fields: [], actor: asAlice, updatedAt: null },
        {
          resource: 'grant',
          name: 'partner',
          action: 'deleted',
          fields: [],
          actor: asAlice,
          updatedAt: null,
        },
        { resource: 'endpoint', name: 'crm', action: 'deleted', fields: [], actor: asAlice, updatedAt: null },
        { resource: 'source', name: 'shop', action: 'deleted', fields: [], actor: asAlice, updatedAt: null },
      ]);
      // Each entry names the resource by id too, and is dated when its change was made.
      expect(new Set(entries.filter((e) => e.resource === 'source').map((e) => e.resourceId))).toEqual(
        new Set([src.body.id]),
      );
      expect(entries.find((e) => e.resource === 'api_key')!.resourceId).toBe(key.body.id);
      expect(entries.map((e) => e.at)).toEqual([...entries.map((e) => e.at)].sort());
      // A version is the change's time, moved on by a millisecond when two changes share one.
      for (const e of entries.filter((x) => x.updatedAt !== null))
        expect(Date.parse(e.at)).toBeLessThanOrEqual(Date.parse(e.updatedAt!));
    });

    it('never holds a secret: not a signing secret, a generated one, a credential or a key', async () => {
      const ep = await alice.post(`${BASE}/endpoints`, {
        slug: 'secretive',
        url: 'https://example.com/hooks',
        auth: { type: 'bearer', token: 'audit-bearer-token' },
        headers: { 'x-api-key': 'audit-header-value' },
      });
      expect(ep.status).toBe(201);
      const rotated = await alice.post(`${BASE}/endpoints/secretive/rotate-secret`, {});
      const key = await t.api.post('/api/orgs/default/api-keys', { name: 'temp', role: 'member' });
      const log = JSON.stringify(await readAll(t.api, '', 200));
      for (const secret of [
        SOURCE_SECRET,
        ROTATED_SOURCE_SECRET,
        BASIC_PASSWORD,
        'audit-bearer-token',
        'audit-header-value',
        ep.body.secret,
        rotated.body.secret,
        key.body.key,
      ]) {
        expect(typeof secret).toBe('string');
        expect(log).not.toContain(secret);
      }
    });

    it('records nothing for a change that was refused', async () => {
      const made = await alice.post(`${BASE}/rules`, {
        name: 'refusals',
        pattern: { type: ['a'] },
        targets: [{ type: 'task', kind: 'k' }],
      });
      expect(made.status).toBe(201);
      const before = await readAll(t.api, '', 200);
      const stale = `"${Date.parse(made.body.updatedAt) - 1}"`;
      expect(
        (await alice.request('PATCH', `${BASE}/rules/refusals`, { enabled: false }, { 'if-match': stale }))
          .status,
      ).toBe(412);
      expect((await alice.patch(`${BASE}/rules/refusals`, { pattern: { type: 'not-a-list' } })).status).toBe(
        400,
      );
      expect(
        (await alice.request('DELETE', `${BASE}/rules/refusals`, undefined, { 'if-match': stale })).status,
      ).toBe(412);
      expect(
        (
          await alice.post(`${BASE}/rules`, {
            name: 'refusals',
            pattern: { type: ['a'] },
            targets: [{ type: 'task', kind: 'k' }],
          })
        ).status,
      ).toBe(409);
      expect((await bob.post(`${BASE}/endpoints`, { slug: 'bobs', url: 'https://example.com' })).status).toBe(
        403,
      );
      expect(
        (await alice.post(`${BASE}/endpoints`, { slug: 'local', url: 'http://10.0.0.1/x' })).status,
      ).toBe(400);
      expect((await alice.delete(`${BASE}/sources/never-was`)).status).toBe(404);
      expect(await readAll(t.api, '', 200)).toEqual(before);
    });

    it('records an endpoint Eventhook disabled itself, with why', async () => {
      const send = await ingestSource(t, 'gone-src');
      await createEndpoint(t, { slug: 'gone', url: `${receiver.url}/gone`, retry: { maxAttempts: 1 } });
      await createRule(t, 'to-gone', 'gone.test', [{ endpoint: 'gone' }]);
      await settledActions(t, await send({ type: 'gone.test' }));
      const entry = await eventually(
        async () =>
          (await readAll(t.api, '&resource=endpoint&name=gone', 50)).find((e) => e.action === 'disabled'),
        10_000,
        'the endpoint disabled',
      );
      expect(entry).toMatchObject({
        fields: ['status'],
        actor: { kind: 'system', reason: 'the endpoint answered 410 Gone' },
      });
      const endpoint = (await t.api.get(`${BASE}/endpoints/gone`)).body;
      expect(endpoint.status).toBe('disabled');
      expect(entry.updatedAt).toBe(endpoint.updatedAt);
    });

    it('narrows to a kind of resource, a name or one resource, and pages without gaps or repeats', async () => {
      for (const slug of ['one', 'two']) {
        expect((await alice.post(`${BASE}/endpoints`, { slug, url: 'https://example.com/x' })).status).toBe(
          201,
        );
        for (const timeoutMs of [1000, 2000, 3000])
          expect((await alice.patch(`${BASE}/endpoints/${slug}`, { timeoutMs })).status).toBe(200);
      }
      // Renamed, a source keeps its id: its history by id spans both names; by name, each name's own.
      const made = await alice.post(`${BASE}/sources`, { slug: 'old-name', provider: 'github', secret: 'x' });
      expect((await alice.patch(`${BASE}/sources/old-name`, { slug: 'new-name' })).status).toBe(200);
      expect((await alice.patch(`${BASE}/sources/new-name`, { description: 'renamed' })).status).toBe(200);

      const one = await readAll(bob, '&resource=endpoint&name=one', 2);
      expect(one.map((e) => e.action)).toEqual(['updated', 'updated', 'updated', 'created']);
      expect(one.every((e) => e.name === 'one' && e.resource === 'endpoint')).toBe(true);
      const byId = await readAll(bob, `&resourceId=${made.body.id}`, 2);
      expect(byId.map((e) => [e.name, e.action])).toEqual([
        ['new-name', 'updated'],
        ['new-name', 'updated'],
        ['old-name', 'created'],
      ]);
      expect((await readAll(bob, '&name=old-name')).map((e) => e.action)).toEqual(['created']);

      const whole = await readAll(bob, '', 200);
      for (const limit of [1, 4, 7]) expect(await readAll(bob, '', limit)).toEqual(whole);
      expect(new Set(whole.map((e) => e.id)).size).toBe(whole.length);
      expect(whole.map((e) => e.id)).toEqual([...whole.map((e) => e.id)].sort().reverse());
      const endpoints = await readAll(bob, '&resource=endpoint', 5);
      expect(endpoints).toEqual(whole.filter((e) => e.resource === 'endpoint'));
      // What one key did: alice's changes, and nothing of bob's, who changed nothing.
      const byAlice = await readAll(bob, `&actorId=${aliceId}`, 4);
      expect(byAlice.length).toBeGreaterThan(10);
      expect(byAlice).toEqual(whole.filter((e) => e.actor.kind === 'key' && e.actor.id === aliceId));
      expect(await readAll(bob, `&actorId=${bobId}`)).toEqual([]);
      const aliceRules = await readAll(bob, `&actorId=${aliceId}&resource=rule`);
      expect(aliceRules.length).toBeGreaterThan(0);
      expect(aliceRules.every((e) => e.resource === 'rule' && e.actor.id === aliceId)).toBe(true);
    });

    it('is readable by admins and members of the org, by no other role and by no other org', async () => {
      const publisher = await t.api.post('/api/orgs/default/api-keys', { name: 'pub', role: 'publisher' });
      expect((await t.api.as(publisher.body.key).get(`${BASE}/audit-log`)).status).toBe(403);
      expect((await bob.get(`${BASE}/audit-log`)).status).toBe(200);
      const partnerAdmin = await t.api.post('/api/orgs/partner/api-keys', { name: 'padmin', role: 'admin' });
      const partner = t.api.as(partnerAdmin.body.key);
      expect((await partner.get(`${BASE}/audit-log`)).status).toBe(404);
      // The partner org's own log holds its own creation and its own key only, both made by the operator.
      const own = (await partner.get('/api/orgs/partner/eventhook/audit-log')).body.items;
      expect(own).toEqual([
        expect.objectContaining({
          resource: 'api_key',
          name: 'padmin',
          action: 'created',
          actor: { kind: 'operator' },
        }),
        expect.objectContaining({
          resource: 'org',
          name: 'partner',
          action: 'created',
          actor: { kind: 'operator' },
        }),
      ]);
      expect((await bob.get(`${BASE}/audit-log?resource=organisation`)).status).toBe(400);
      expect((await bob.get(`${BASE}/audit-log?cursor=nonsense`)).status).toBe(400);
    });
  });
}
