// Deleting an org (the operator offboarding a tenant): at once it answers 404, its keys stop working, its webhooks
// are refused and nothing more is delivered for it; then every row it had is purged in the background, another org's
// data untouched, and once that is done (and a grace period has passed) its slug can be taken again, empty.
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORG_PURGE_GRACE_MS } from '../../src/access/org-deletion.js';
import { ManualClock } from '../../src/core/clock.js';
import { backendAvailable, BACKENDS, eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { sleep, startReceiver, type Receiver } from '../helpers/outbound.js';
import { freshPostgresSchema } from '../helpers/services.js';

const T0 = Date.UTC(2026, 11, 7, 9);
const SECRET = 'org-deletion-test-secret';
const ORGS = ['acme', 'globex'] as const;
/** Every table that holds an org's rows, by its org column. */
const BY_ORG = [
  'events',
  'actions',
  'attempts',
  'api_keys',
  'sources',
  'rules',
  'endpoints',
  'audit_log',
  'tasks',
] as const;

type Count = (sql: string, params: unknown[]) => Promise<number>;

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`deleting an org — ${backend}`, () => {
    let t: TestApp;
    let receiver: Receiver;
    let count: Count;
    let closeRaw: () => Promise<void> = async () => {};
    let dropSchema: () => Promise<void> = async () => {};
    const clock = new ManualClock(T0);
    const sourceIds: Record<string, string> = {};
    const keys: Record<string, string> = {};
    let delivery = 0;

    const base = (org: string) => `/api/orgs/${org}/eventhook`;
    const webhook = (org: string, body: Record<string, unknown>) => {
      const text = JSON.stringify(body);
      return fetch(`${t.url}${base(org)}/in/app`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-sig': createHmac('sha256', SECRET).update(text).digest('hex'),
          'x-delivery': `d-${++delivery}`,
        },
        body: text,
      });
    };
    const rowsOf = async (org: string) => {
      const rows: Record<string, number> = {};
      for (const table of BY_ORG)
        rows[table] = await count(`select count(*) as n from ${table} where org = $1`, [org]);
      rows.grants = await count(
        'select count(*) as n from event_bus_grants where org = $1 or from_org = $1',
        [org],
      );
      rows.idempotency_keys = await count('select count(*) as n from idempotency_keys where source_id = $1', [
        sourceIds[org],
      ]);
      return rows;
    };
    const arrivals = (org: string) => receiver.requests.filter((r) => r.path === `/${org}`).length;

    beforeAll(async () => {
      // Deliveries to acme take a while, one at a time, so that some are still waiting when it is deleted.
      receiver = await startReceiver(async (req, res) => {
        if (req.path === '/acme') await sleep(300);
        res.writeHead(200).end('ok');
      });
      let databaseUrl: string | undefined;
      if (backend === 'postgres') {
        const schema = await freshPostgresSchema();
        databaseUrl = schema.url;
        dropSchema = schema.drop;
        const client = new pg.Client({ connectionString: databaseUrl });
        await client.connect();
        count = async (sql, params) => Number((await client.query(sql, params)).rows[0].n);
        closeRaw = () => client.end();
      }
      t = await startTestApp(backend, {
        clock,
        databaseUrl,
        env: { EVENTHOOK_OUTBOUND_ALLOW: '127.0.0.1' },
      });
      if (backend === 'sqlite') {
        const db = new Database(join(t.dataDir, 'eventhook.db'), { readonly: true });
        // Named parameters for better-sqlite3 where PostgreSQL numbers them ($1 is @p1).
        count = async (sql, params) => {
          const named = Object.fromEntries(params.map((v, i) => [`p${i + 1}`, v]));
          return Number((db.prepare(sql.replaceAll('$', '@p')).get(named) as { n: number }).n);
        };
        closeRaw = async () => void db.close();
      }

      for (const org of ORGS) {
        expect((await t.api.post('/api/orgs', { slug: org })).status).toBe(201);
        const source = await t.api.post(`${base(org)}/sources`, {
          slug: 'app',
          verifier: { type: 'hmac', header: 'x-sig', algorithm: 'sha256', encoding: 'hex', secret: SECRET },
          idempotencyKeys: ['header.x-delivery'],
        });
        expect(source.status, source.text).toBe(201);
        sourceIds[org] = source.body.id;
        const endpoint = await t.api.post(`${base(org)}/endpoints`, {
          slug: 'hooks',
          url: `${receiver.url}/${org}`,
          maxConcurrency: 1,
        });
        expect(endpoint.status, endpoint.text).toBe(201);
        const rule = await t.api.post(`${base(org)}/rules`, {
          name: 'all',
          pattern: { type: ['thing.happened'] },
          targets: [
            { type: 'webhook', endpoint: 'hooks' },
            { type: 'task', kind: 'follow-up' },
          ],
        });
        expect(rule.status, rule.text).toBe(201);
        const key = await t.api.post(`/api/orgs/${org}/api-keys`, { name: 'ops', role: 'admin' });
        expect(key.status, key.text).toBe(201);
        keys[org] = key.body.key;
      }
      for (const [org, fromOrg] of [
        ['acme', 'globex'],
        ['globex', 'acme'],
      ] as const)
        expect((await t.api.post(`${base(org)}/grants`, { fromOrg })).status).toBe(201);
      for (const org of ORGS)
        for (let i = 0; i < 3; i++)
          expect((await webhook(org, { type: 'thing.happened', i })).status).toBe(200);
      await eventually(
        async () => arrivals('acme') === 3 && arrivals('globex') === 3,
        15_000,
        'first deliveries',
      );
    });
    afterAll(async () => {
      await t?.close();
      await closeRaw();
      await dropSchema();
      await receiver?.close();
    });

    it('stops the org at once, purges every row it had, and frees its slug after the grace period', async () => {
      const globexBefore = await rowsOf('globex');
      expect(globexBefore).toMatchObject({ actions: 6, sources: 1, endpoints: 1, grants: 2 });
      expect(Object.values(await rowsOf('acme')).every((n) => n > 0)).toBe(true);

      // Eight more for acme, delivered one at a time; deleted once the first of them arrives.
      for (let i = 0; i < 8; i++)
        expect((await webhook('acme', { type: 'thing.happened', i })).status).toBe(200);
      await eventually(async () => arrivals('acme') >= 4, 15_000, 'a delivery of the second batch');
      const deleted = await t.api.delete('/api/orgs/acme');
      expect(deleted.status, deleted.text).toBe(202);
      expect(deleted.body).toMatchObject({ slug: 'acme', deletedAt: new Date(T0).toISOString() });
      const arrivedAtDelete = arrivals('acme');

      // At once: gone to the operator, its key refused, its webhooks refused, its slug not free yet.
      expect((await t.api.get('/api/orgs/acme')).body.code).toBe('EH_ORG_NOT_FOUND');
      expect((await t.api.get(`${base('acme')}/events`)).status).toBe(404);
      expect((await t.api.as(keys.acme).get('/api/orgs/acme/me')).status).toBe(401);
      await eventually(async () => (await webhook('acme', { type: 'thing.happened' })).status === 404, 2_000);
      const again = await t.api.post('/api/orgs', { slug: 'acme' });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('EH_ORG_BEING_DELETED');
      expect((await t.api.delete('/api/orgs/acme')).status).toBe(404);
      expect((await t.api.patch('/api/orgs/acme', { name: 'Acme' })).status).toBe(404);
      const listed = (await t.api.get('/api/orgs')).body.items.map((o: { slug: string }) => o.slug);
      expect(listed).toEqual(['default', 'globex']);
      const withDeleted = (await t.api.get('/api/orgs?includeDeleted=true')).body.items;
      expect(withDeleted.find((o: { slug: string }) => o.slug === 'acme')).toMatchObject({
        deletedAt: new Date(T0).toISOString(),
      });

      // Nothing more is delivered for it: at most the delivery on the wire when it was deleted ends (each takes
      // 300 ms, so the five left would have taken 1.5 s).
      await sleep(1_500);
      expect(arrivals('acme')).toBeLessThanOrEqual(arrivedAtDelete + 1);

      // Its rows are purged in the background; the org's own row stays until the grace period has passed.
      await eventually(
        async () => Object.values(await rowsOf('acme')).every((n) => n === 0),
        15_000,
        'the purge',
      );
      expect(await count('select count(*) as n from orgs where slug = $1', ['acme'])).toBe(1);

      // Globex lost only the grants to and from acme, and still works.
      expect(await rowsOf('globex')).toEqual({ ...globexBefore, grants: 0 });
      expect((await t.api.as(keys.globex).get('/api/orgs/globex/me')).status).toBe(200);
      expect((await webhook('globex', { type: 'thing.happened' })).status).toBe(200);
      await eventually(async () => arrivals('globex') === 4, 10_000, 'a delivery for globex');

      clock.advance(ORG_PURGE_GRACE_MS);
      await eventually(
        async () => (await count('select count(*) as n from orgs where slug = $1', ['acme'])) === 0,
        10_000,
        "the org's row",
      );
      const remade = await t.api.post('/api/orgs', { slug: 'acme', name: 'Acme again' });
      expect(remade.status, remade.text).toBe(201);
      expect(remade.body.deletedAt).toBeNull();
      for (const list of ['events', 'sources', 'rules', 'endpoints', 'grants'])
        expect((await t.api.get(`${base('acme')}/${list}`)).body.items, list).toEqual([]);
      // Its audit log begins anew, with its making.
      const log = (await t.api.get(`${base('acme')}/audit-log`)).body.items;
      expect(log.map((e: { resource: string; action: string }) => [e.resource, e.action])).toEqual([
        ['org', 'created'],
      ]);
      expect((await t.api.get('/api/orgs/acme/api-keys')).body.items).toEqual([]);
      expect((await webhook('acme', { type: 'thing.happened' })).status).toBe(404);
    });

    it('renames an org for the operator only, in its audit log; its slug stays', async () => {
      const renamed = await t.api.patch('/api/orgs/globex', { name: 'Globex Corporation' });
      expect(renamed.status, renamed.text).toBe(200);
      expect(renamed.body).toMatchObject({ slug: 'globex', name: 'Globex Corporation', deletedAt: null });
      expect((await t.api.get('/api/orgs/globex')).body.name).toBe('Globex Corporation');
      const admin = t.api.as(keys.globex);
      expect((await admin.patch('/api/orgs/globex', { name: 'Mine' })).status).toBe(403);
      expect((await admin.delete('/api/orgs/globex')).status).toBe(403);
      const empty = await t.api.patch('/api/orgs/globex', { name: '' });
      expect(empty.status).toBe(400);
      expect(empty.body.errors[0].path).toBe('/name');
      expect((await t.api.patch('/api/orgs/nobody', { name: 'x' })).status).toBe(404);
      // The org's audit log says who made it and who renamed it; the refused rename is not there.
      const log = await admin.get('/api/orgs/globex/eventhook/audit-log?resource=org');
      expect(log.status, log.text).toBe(200);
      expect(
        log.body.items.map((e: { action: string; fields: string[]; actor: unknown; name: string }) => [
          e.action,
          e.fields,
          e.actor,
          e.name,
        ]),
      ).toEqual([
        ['updated', ['name'], { kind: 'operator' }, 'globex'],
        ['created', ['name'], { kind: 'operator' }, 'globex'],
      ]);
    });
  });
}
