// Migration 027 on a store that already holds an endpoint: it reads back with no secret headers, keeps its auth, and
// can then be given some. The database is migrated only up to 026, given an endpoint as that release wrote it, and
// then opened, which runs 027 on real data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOlderEndpoint, migratedUpTo, type OlderDatabase } from '../helpers/migrations.js';
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
      const auth = { type: 'bearer', sealed: 'v1.sealed-token', info: {} };
      await insertOlderEndpoint(setup.db, { headers: '{"x-team":"a"}', auth: JSON.stringify(auth) });

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
