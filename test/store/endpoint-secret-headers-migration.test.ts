// Migration 027 on a store that already holds an endpoint: it reads back with no secret headers, keeps its auth, and
// can then be given some. The database is migrated only up to 026, given an endpoint as that release wrote it, and
// then opened, which runs 027 on real data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedUpTo, type OlderDatabase } from '../helpers/migrations.js';
import { STORE_FACTORIES } from '../helpers/stores.js';

const BEFORE = '026-execution-claimer';

for (const factory of STORE_FACTORIES) {
  const available = await factory.available();
  describe.skipIf(!available)(`migration 027 (endpoint secret headers) — ${factory.name}`, () => {
    let setup: OlderDatabase;

    beforeAll(async () => {
      setup = await migratedUpTo(factory, BEFORE);
    });
    afterAll(async () => setup?.cleanup());

    it('an endpoint written before it has no secret headers, and can be given some', async () => {
      await setup.db
        .insertInto('orgs' as never)
        .values({ slug: 'acme', name: 'acme', created_at: 1 } as never)
        .execute();
      const auth = { type: 'bearer', sealed: 'v1.sealed-token', info: {} };
      await setup.db
        .insertInto('endpoints' as never)
        .values({
          id: 'ep_01J0000000000000000000000A',
          org: 'acme',
          slug: 'crm',
          description: '',
          url: 'https://example.com/hooks',
          headers: '{"x-team":"a"}',
          auth: JSON.stringify(auth),
          secrets: '[]',
          header_style: 'webhook',
          timeout_ms: 15000,
          rate_limit: null,
          max_concurrency: null,
          ordering: 'none',
          ordering_key: null,
          retry: null,
          status: 'active',
          breaker: null,
          disabled_reason: null,
          created_at: 1_000,
          updated_at: 1_000,
          deleted_at: null,
        } as never)
        .execute();

      const store = await setup.open();
      try {
        const before = await store.endpoints.get('acme', 'crm');
        expect(before).toMatchObject({ headers: { 'x-team': 'a' }, auth, secretHeaders: {} });
        const after = { ...before!, secretHeaders: { 'x-custom-key': 'v1.sealed-value' }, updatedAt: 2_000 };
        expect(await store.endpoints.update(after, { basis: 1_000, state: false })).toBe(true);
        expect((await store.endpoints.get('acme', 'crm'))?.secretHeaders).toEqual({
          'x-custom-key': 'v1.sealed-value',
        });
      } finally {
        await store.close();
      }
    });
  });
}
