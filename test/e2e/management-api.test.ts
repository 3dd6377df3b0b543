// Issue 5 §1–4 happy paths over HTTP: orgs and keys (roles, revocation, last use), sources and rules CRUD with
// PATCH and soft DELETE, event listing with filters and cursor pagination that stays stable under inserts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendAvailable, BACKENDS, startTestApp, type TestApp } from '../helpers/app.js';

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`management API — ${backend}`, () => {
    let t: TestApp;
    const base = '/api/orgs/default/eventhook';
    beforeAll(async () => {
      t = await startTestApp(backend);
    });
    afterAll(async () => t?.close());

    it('creates orgs and keys; a key shows once, is hashed, records its use and can be revoked', async () => {
      expect((await t.api.post('/api/orgs', { slug: 'shop', name: 'Shop' })).body).toMatchObject({
        slug: 'shop',
        name: 'Shop',
      });
      expect((await t.api.post('/api/orgs', { slug: 'shop' })).status).toBe(409);
      expect((await t.api.post('/api/orgs', { slug: 'Not_Valid' })).status).toBe(400);
      expect((await t.api.get('/api/orgs')).body.items.map((o: { slug: string }) => o.slug)).toEqual([
        'default',
        'shop',
      ]);

      const created = await t.api.post('/api/orgs/shop/api-keys', { name: 'reader', role: 'member' });
      expect(created.status).toBe(201);
      expect(created.body.key).toMatch(/^ehk_/);
      const reader = t.api.as(created.body.key);
      expect((await reader.get('/api/orgs/shop/eventhook/rules')).status).toBe(200);
      expect((await reader.post('/api/orgs/shop/eventhook/rules', {})).status).toBe(403);
      const listed = (await t.api.get('/api/orgs/shop/api-keys')).body.items;
      expect(listed).toHaveLength(1);
      expect(listed[0]).toMatchObject({
        name: 'reader',
        role: 'member',
        prefix: created.body.key.slice(0, 10),
        revokedAt: null,
      });
      expect(listed[0].lastUsedAt).not.toBeNull();
      expect(JSON.stringify(listed)).not.toContain(created.body.key);
      expect((await t.api.delete(`/api/orgs/shop/api-keys/${created.body.id}`)).status).toBe(204);
      expect((await reader.get('/api/orgs/shop/eventhook/rules')).status).toBe(401);
    });

    it('manages sources: create, get, patch, delete softly (events stay readable)', async () => {
      const c = await t.api.post(`${base}/sources`, {
        slug: 'stripe',
        provider: 'stripe',
        secret: 'whsec_abc',
        rateLimit: { perSecond: 10 },
      });
      expect(c.status).toBe(201);
      expect(c.body).toMatchObject({
        slug: 'stripe',
        provider: 'stripe',
        verifier: { type: 'hmac' },
        rateLimit: { perSecond: 10 },
      });
      expect(c.body.secrets).toHaveLength(1);
      expect(JSON.stringify(c.body)).not.toContain('whsec_abc');
      expect(
        (await t.api.post(`${base}/sources`, { slug: 'stripe', provider: 'stripe', secret: 'x' })).status,
      ).toBe(409);
      const bad = await t.api.post(`${base}/sources`, { slug: 'p', provider: 'stripe' });
      expect(bad.body).toMatchObject({
        code: 'EH_SOURCE_INVALID',
        errors: [{ path: '/secret', message: 'is required' }],
      });
      expect(
        (await t.api.post(`${base}/sources`, { slug: 'q', provider: 'nope', secret: 'x' })).body.code,
      ).toBe('EH_PROVIDER_UNKNOWN');

      const p = await t.api.patch(`${base}/sources/stripe`, { name: 'Stripe live', enabled: false });
      expect(p.body).toMatchObject({ name: 'Stripe live', enabled: false, provider: 'stripe' });
      expect(p.body.secrets).toEqual(c.body.secrets);
      // A patch that leaves the settings alone writes none: no `options: {}` appears on a source that had none.
      expect(p.body.options).toEqual(c.body.options);
      // A disabled source answers like an unknown one.
      expect((await fetch(`${t.url}${base}/in/stripe`, { method: 'POST', body: '{}' })).status).toBe(404);
      expect((await t.api.delete(`${base}/sources/stripe`)).status).toBe(204);
      expect((await t.api.get(`${base}/sources/stripe`)).status).toBe(404);
      const all = await t.api.get(`${base}/sources?includeDeleted=true`);
      expect(all.body.items.find((s: { id: string }) => s.id === c.body.id).deletedAt).not.toBeNull();
      expect(
        (await t.api.post(`${base}/sources`, { slug: 'stripe', provider: 'stripe', secret: 'whsec_new' }))
          .status,
      ).toBe(201);
    });

    it('manages rules: create, get by id or name, patch, delete softly', async () => {
      const c = await t.api.post(`${base}/rules`, {
        name: 'r',
        pattern: { type: ['a'] },
        targets: [{ type: 'task', kind: 'k' }],
      });
      expect(c.body).toMatchObject({ name: 'r', enabled: true, filter: null, deletedAt: null });
      expect((await t.api.get(`${base}/rules/r`)).body.id).toBe(c.body.id);
      expect(
        (await t.api.patch(`${base}/rules/${c.body.id}`, { enabled: false, description: 'off' })).body,
      ).toMatchObject({ enabled: false, description: 'off', pattern: { type: ['a'] } });
      expect((await t.api.patch(`${base}/rules/${c.body.id}`, { pattern: { type: 'x' } })).body.code).toBe(
        'EH_PATTERN_INVALID',
      );
      expect((await t.api.patch(`${base}/rules/${c.body.id}`, {})).status).toBe(400);
      expect((await t.api.delete(`${base}/rules/r`)).status).toBe(204);
      expect(
        (await t.api.get(`${base}/rules`)).body.items.find((r: { id: string }) => r.id === c.body.id),
      ).toBeUndefined();
      expect((await t.api.get(`${base}/rules/${c.body.id}`)).body.deletedAt).not.toBeNull();
    });

    it('refuses a rule name that is a rule id: /rules/{rule} would find the rule of that id, not it', async () => {
      const other = await t.api.post(`${base}/rules`, {
        name: 'other',
        pattern: { type: ['a'] },
        targets: [{ type: 'task', kind: 'k' }],
      });
      expect(other.status, other.text).toBe(201);
      const idLike = {
        name: other.body.id,
        pattern: { type: ['b'] },
        targets: [{ type: 'task', kind: 'k' }],
      };
      const message =
        'is a rule id (rule_…): rules are found by id or name, so a name may not look like an id';
      const created = await t.api.post(`${base}/rules`, idLike);
      expect(created.status, created.text).toBe(400);
      expect(created.body.errors).toEqual([{ path: '/name', message }]);
      const renamed = await t.api.patch(`${base}/rules/other`, { name: 'rule_01J00000000000000000000000' });
      expect(renamed.status, renamed.text).toBe(400);
      expect(renamed.body.errors).toEqual([{ path: '/name', message }]);
      // A name that merely starts like one is a name.
      const fine = await t.api.post(`${base}/rules`, { ...idLike, name: 'rule_fast' });
      expect(fine.status, fine.text).toBe(201);
      expect((await t.api.get(`${base}/rules/rule_fast`)).body.id).toBe(fine.body.id);
    });

    it('pages configuration lists when asked: whole without limit, else by limit and cursor', async () => {
      expect((await t.api.post('/api/orgs', { slug: 'paged' })).status).toBe(201);
      const paged = '/api/orgs/paged/eventhook';
      for (const n of [1, 2, 3]) {
        const made = [
          await t.api.post(`${paged}/sources`, { slug: `src-${n}`, provider: 'github', secret: `s${n}` }),
          await t.api.post(`${paged}/rules`, {
            name: `rule-${n}`,
            pattern: { type: [`t${n}`] },
            targets: [{ type: 'task', kind: 'k' }],
          }),
          await t.api.post(`${paged}/endpoints`, { slug: `ep-${n}`, url: `https://ep${n}.example.com/` }),
          await t.api.post('/api/orgs/paged/api-keys', { name: `key-${n}`, role: 'member' }),
        ];
        for (const r of made) expect(r.status, r.text).toBe(201);
      }
      type Page = { items: { id: string; slug?: string }[]; nextCursor: string | null };
      /** Every page of `path` at `limit`, following nextCursor. */
      const pages = async (path: string, limit: number) => {
        const seen: Page[] = [];
        let cursor: string | null = null;
        do {
          const sep = path.includes('?') ? '&' : '?';
          const res: { status: number; text: string; body: unknown } = await t.api.get(
            `${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
          );
          expect(res.status, res.text).toBe(200);
          seen.push(res.body as Page);
          cursor = (res.body as Page).nextCursor;
        } while (cursor !== null);
        return seen;
      };
      for (const path of [
        `${paged}/sources`,
        `${paged}/rules`,
        `${paged}/endpoints`,
        '/api/orgs/paged/api-keys',
      ]) {
        const whole = (await t.api.get(path)).body as Page;
        expect(whole.items, path).toHaveLength(3);
        expect(whole.nextCursor).toBeNull();
        const byTwo = await pages(path, 2);
        expect(byTwo.map((p) => p.items.length)).toEqual([2, 1]);
        expect(byTwo.flatMap((p) => p.items.map((i) => i.id))).toEqual(whole.items.map((i) => i.id));
      }

      // An item deleted between two pages: the next page starts after it, with nothing skipped or repeated.
      const first = (await t.api.get(`${paged}/rules?limit=1`)).body as Page;
      expect(first.items.map((r) => r.id)).toHaveLength(1);
      expect((await t.api.delete(`${paged}/rules/${first.items[0]!.id}`)).status).toBe(204);
      const next = (await t.api.get(`${paged}/rules?limit=5&cursor=${first.nextCursor}`)).body as Page;
      expect(next.items.map((r) => (r as { name?: string }).name)).toEqual(['rule-2', 'rule-3']);
      expect(next.nextCursor).toBeNull();

      // Orgs in slug order, a page at a time (operator token).
      const orgs = await pages('/api/orgs', 1);
      expect(orgs.flatMap((p) => p.items.map((o) => o.slug))).toEqual(['default', 'paged', 'shop']);
      expect((await t.api.get(`${paged}/endpoints?cursor=`)).status).toBe(400);
      expect((await t.api.get(`${paged}/endpoints?limit=0`)).status).toBe(400);
    });

    it('filters events by envelope source as well as by source id, in lists and replays', async () => {
      const published = await t.api.post(`${base}/events`, [
        { type: 'order.placed', source: 'checkout' },
        { type: 'invoice.sent', source: 'billing' },
        { type: 'order.paid', source: 'checkout' },
      ]);
      expect(published.status, published.text).toBe(200);
      const [placed, , paid] = published.body.items as { eventId: string }[];
      const listed = await t.api.get(`${base}/events?source=app:checkout`);
      expect(listed.body.items.map((e: { id: string }) => e.id)).toEqual([paid!.eventId, placed!.eventId]);
      expect((await t.api.get(`${base}/events?source=app:nobody`)).body.items).toEqual([]);
      const counted = await t.api.post(`${base}/events/replay`, {
        filter: { source: 'app:billing' },
        dryRun: true,
      });
      expect(counted.body).toMatchObject({ count: 1, dryRun: true });
    });

    it('finds events by text in their data, taking % and _ literally', async () => {
      const published = await t.api.post(`${base}/events`, [
        { type: 'order.placed', data: { order: 'ord_4711', discount: '100%' } },
        { type: 'order.placed', data: { order: 'ord_4712', discount: '1000' } },
        { type: 'order.placed', data: { order: 'ordX4711' } },
      ]);
      const [first, second] = published.body.items as { eventId: string }[];
      const found = async (text: string) =>
        (
          (await t.api.get(`${base}/events?body=${encodeURIComponent(text)}`)).body.items as { id: string }[]
        ).map((e) => e.id);
      expect(await found('ord_4711')).toEqual([first!.eventId]);
      expect(await found('100%')).toEqual([first!.eventId]);
      expect(await found('"ord_4712"')).toEqual([second!.eventId]);
      expect(await found('ord_0000')).toEqual([]);
      const counted = await t.api.post(`${base}/events/replay`, { filter: { body: '4711' }, dryRun: true });
      expect(counted.body).toMatchObject({ count: 2, dryRun: true });
    });

    it('pages through events newest first with no gap or repeat while new events arrive', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 25; i++)
        ids.push(
          (await t.api.post(`${base}/events`, { type: i % 2 ? 'page.odd' : 'page.even', subject: `s-${i}` }))
            .body.eventId,
        );
      const seen: string[] = [];
      let cursor: string | null = null;
      let inserted = 0;
      do {
        const res: { body: { items: { id: string }[]; nextCursor: string | null } } = await t.api.get(
          `${base}/events?q=page.&limit=7${cursor ? `&cursor=${cursor}` : ''}`,
        );
        seen.push(...res.body.items.map((e) => e.id));
        cursor = res.body.nextCursor;
        // Concurrent producers keep publishing between pages.
        await Promise.all(
          [1, 2].map(() => t.api.post(`${base}/events`, { type: 'page.late' }).then(() => inserted++)),
        );
      } while (cursor);
      expect(seen).toEqual([...ids].reverse());
      expect(inserted).toBeGreaterThan(0);
      expect((await t.api.get(`${base}/events?type=page.odd&limit=100`)).body.items).toHaveLength(12);
      expect((await t.api.get(`${base}/events?q=s-24`)).body.items.map((e: { id: string }) => e.id)).toEqual([
        ids[24],
      ]);
      expect((await t.api.get(`${base}/events?cursor=garbage`)).body.code).toBe('EH_CURSOR_INVALID');
      const since = new Date(Date.now() + 60_000).toISOString();
      expect((await t.api.get(`${base}/events?since=${since}`)).body.items).toEqual([]);
    });
  });
}
