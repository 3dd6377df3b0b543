// Lost updates: two people (or a person and `eventhook apply`) editing the same source, rule, endpoint or grant.
// Every answer carries the resource's version as an ETag; a PATCH or DELETE that sends it back in If-Match is
// refused with 412 once someone else has changed the resource, and nothing of it is saved.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendAvailable, BACKENDS, startTestApp, type ApiClient, type TestApp } from '../helpers/app.js';

const base = '/api/orgs/default/eventhook';

interface Resource {
  name: string;
  /** Creates one and answers its path. */
  create(api: ApiClient): Promise<{ path: string; etag: string | null; updatedAt: string }>;
  /** Two different changes, each readable back through `read`. */
  changes: [Record<string, unknown>, Record<string, unknown>];
  read(body: Record<string, unknown>): unknown;
}

let n = 0;
const RESOURCES: Resource[] = [
  {
    name: 'source',
    async create(api) {
      const slug = `src-${++n}`;
      const r = await api.post(`${base}/sources`, { slug, provider: 'github', secret: 'gh-secret' });
      expect(r.status).toBe(201);
      return { path: `${base}/sources/${slug}`, etag: r.headers.get('etag'), updatedAt: r.body.updatedAt };
    },
    changes: [{ description: 'by Ann' }, { description: 'by Bob' }],
    read: (b) => b.description,
  },
  {
    name: 'rule',
    async create(api) {
      const name = `rule-${++n}`;
      const r = await api.post(`${base}/rules`, {
        name,
        pattern: { type: ['order.created'] },
        targets: [{ type: 'task', kind: 'ship' }],
      });
      expect(r.status).toBe(201);
      return { path: `${base}/rules/${r.body.id}`, etag: r.headers.get('etag'), updatedAt: r.body.updatedAt };
    },
    changes: [{ pattern: { type: ['order.paid'] } }, { enabled: false }],
    read: (b) => [b.pattern, b.enabled],
  },
  {
    name: 'endpoint',
    async create(api) {
      const slug = `ep-${++n}`;
      const r = await api.post(`${base}/endpoints`, { slug, url: 'https://example.com/hooks' });
      expect(r.status).toBe(201);
      return { path: `${base}/endpoints/${slug}`, etag: r.headers.get('etag'), updatedAt: r.body.updatedAt };
    },
    changes: [{ url: 'https://example.com/ann' }, { timeoutMs: 2000 }],
    read: (b) => [b.url, b.timeoutMs],
  },
  {
    name: 'grant',
    async create(api) {
      const r = await api.post(`${base}/grants`, { fromOrg: 'partner', eventTypes: ['invoice.*'] });
      expect(r.status).toBe(201);
      return {
        path: `${base}/grants/${r.body.id}`,
        etag: r.headers.get('etag'),
        updatedAt: r.body.updatedAt,
      };
    },
    changes: [{ description: 'by Ann' }, { eventTypes: null }],
    read: (b) => [b.description, b.eventTypes],
  },
];

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`configuration versions (ETag, If-Match) — ${backend}`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(backend);
      expect((await t.api.post('/api/orgs', { slug: 'partner' })).status).toBe(201);
    });
    afterAll(async () => t?.close());

    for (const resource of RESOURCES) {
      it(`${resource.name}: a change made from an older version is refused with 412 and saves nothing`, async () => {
        const made = await resource.create(t.api);
        // The tag is the version the answer shows, so a list's updatedAt names it as well.
        expect(made.etag).toBe(`"${Date.parse(made.updatedAt)}"`);
        const read = await t.api.get(made.path);
        expect(read.status).toBe(200);
        expect(read.headers.get('etag')).toBe(made.etag);

        // Ann and Bob both opened version 1; Ann saves first.
        const ann = await t.api.request('PATCH', made.path, resource.changes[0], { 'if-match': made.etag! });
        expect(ann.status).toBe(200);
        const annTag = ann.headers.get('etag');
        expect(annTag).toBe(`"${Date.parse(ann.body.updatedAt)}"`);
        expect(annTag).not.toBe(made.etag);

        const bob = await t.api.request('PATCH', made.path, resource.changes[1], { 'if-match': made.etag! });
        expect(bob.status).toBe(412);
        expect(bob.headers.get('content-type')).toContain('application/problem+json');
        expect(bob.body.code).toBe('EH_VERSION_MISMATCH');
        expect(bob.body.detail).toContain(`If-Match names version ${made.etag!.slice(1, -1)}`);
        expect(bob.body.detail).toContain(`it is now at ${annTag!.slice(1, -1)}`);
        const after = await t.api.get(made.path);
        expect(resource.read(after.body)).toEqual(resource.read(ann.body));
        expect(after.headers.get('etag')).toBe(annTag);

        // Bob reads again and reapplies his change on Ann's.
        const retried = await t.api.request('PATCH', made.path, resource.changes[1], { 'if-match': annTag! });
        expect(retried.status).toBe(200);
        expect(resource.read(retried.body)).not.toEqual(resource.read(ann.body));
      });

      it(`${resource.name}: of changes sent at once from the same version, one is saved and the rest get 412`, async () => {
        const made = await resource.create(t.api);
        const answers = await Promise.all(
          [0, 1, 0, 1, 0, 1].map((i) =>
            t.api.request('PATCH', made.path, resource.changes[i]!, { 'if-match': made.etag! }),
          ),
        );
        const statuses = answers.map((a) => a.status).sort();
        expect(statuses).toEqual([200, 412, 412, 412, 412, 412]);
        const saved = answers.find((a) => a.status === 200)!;
        const now = await t.api.get(made.path);
        expect(now.headers.get('etag')).toBe(saved.headers.get('etag'));
        expect(resource.read(now.body)).toEqual(resource.read(saved.body));
      });

      it(`${resource.name}: a delete from an older version is refused; from the current one it deletes`, async () => {
        const made = await resource.create(t.api);
        const changed = await t.api.request('PATCH', made.path, resource.changes[0], {});
        expect(changed.status).toBe(200);
        const stale = await t.api.request('DELETE', made.path, undefined, { 'if-match': made.etag! });
        expect(stale.status).toBe(412);
        expect(stale.body.code).toBe('EH_VERSION_MISMATCH');
        expect((await t.api.get(made.path)).status).toBe(200);

        const current = changed.headers.get('etag')!;
        expect((await t.api.request('DELETE', made.path, undefined, { 'if-match': current })).status).toBe(
          204,
        );
        // Gone is gone, whatever version is named.
        const again = await t.api.request('DELETE', made.path, undefined, { 'if-match': current });
        expect(again.status).toBe(404);
      });

      it(`${resource.name}: without If-Match, or with *, a change applies to the stored version`, async () => {
        const made = await resource.create(t.api);
        expect((await t.api.patch(made.path, resource.changes[0])).status).toBe(200);
        const star = await t.api.request('PATCH', made.path, resource.changes[1], { 'if-match': '*' });
        expect(star.status).toBe(200);
        expect(resource.read((await t.api.get(made.path)).body)).toEqual(resource.read(star.body));
      });
    }

    it('refuses an If-Match it cannot compare (weak, a list, not a tag) with 400 and changes nothing', async () => {
      const made = await RESOURCES[0]!.create(t.api);
      const version = made.etag!;
      for (const value of [`W/${version}`, `${version}, "1"`, version.slice(1, -1), '"abc"']) {
        const r = await t.api.request('PATCH', made.path, { description: 'x' }, { 'if-match': value });
        expect(r.status, value).toBe(400);
        expect(r.body.code).toBe('EH_IF_MATCH_INVALID');
        expect(r.body.detail).toContain(JSON.stringify(value));
      }
      expect((await t.api.get(made.path)).body.description).toBe('');
    });

    it('a rule read by name is versioned the same as by id', async () => {
      const made = await RESOURCES[1]!.create(t.api);
      const byId = await t.api.get(made.path);
      const byName = await t.api.get(`${base}/rules/${byId.body.name}`);
      expect(byName.headers.get('etag')).toBe(made.etag);
      const r = await t.api.request(
        'PATCH',
        `${base}/rules/${byId.body.name}`,
        { description: 'x' },
        {
          'if-match': '"1"',
        },
      );
      expect(r.status).toBe(412);
    });

    it('the OpenAPI document declares the tag on the answers that carry it, and If-Match on changes', async () => {
      const doc = (await t.api.get('/openapi.json')).body;
      const op = (path: string, method: string) => doc.paths[`/api/orgs/{org}/eventhook${path}`][method];
      for (const [path, method, status] of [
        ['/rules/{rule}', 'get', '200'],
        ['/rules/{rule}', 'patch', '200'],
        ['/sources', 'post', '201'],
        ['/endpoints/{endpoint}/enable', 'post', '200'],
        ['/grants/{grant}', 'patch', '200'],
      ] as const)
        expect(op(path, method).responses[status].headers?.ETag, `${method} ${path}`).toBeDefined();
      expect(op('/rules', 'get').responses['200'].headers).toBeUndefined();
      expect(op('/rules/{rule}', 'patch').responses['412']).toBeDefined();
      expect(op('/endpoints/{endpoint}', 'delete').parameters).toContainEqual(
        expect.objectContaining({ in: 'header', name: 'if-match' }),
      );
    });

    it('rotating or enabling changes the version, and answers the new tag', async () => {
      const ep = await RESOURCES[2]!.create(t.api);
      const rotated = await t.api.post(`${ep.path}/rotate-secret`, {});
      expect(rotated.status).toBe(200);
      expect(rotated.headers.get('etag')).toBe(`"${Date.parse(rotated.body.updatedAt)}"`);
      expect(rotated.headers.get('etag')).not.toBe(ep.etag);
      const stale = await t.api.request('PATCH', ep.path, { description: 'x' }, { 'if-match': ep.etag! });
      expect(stale.status).toBe(412);
      const src = await RESOURCES[0]!.create(t.api);
      const srcRotated = await t.api.post(`${src.path}/rotate-secret`, {});
      expect(srcRotated.status).toBe(200);
      expect(srcRotated.headers.get('etag')).toBe(`"${Date.parse(srcRotated.body.updatedAt)}"`);
    });
  });
}
