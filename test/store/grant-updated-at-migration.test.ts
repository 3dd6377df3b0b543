// Migration 022 on a store that already holds grants: each reads back at the version of its creation (updatedAt =
// createdAt) and can then be changed at that version. The database is migrated only up to 021, given a grant as that
// release wrote it, and then opened, which runs 022 on real data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GrantId } from '../../src/core/ids.js';
import { migratedUpTo, type OlderDatabase } from '../helpers/migrations.js';
import { STORE_FACTORIES } from '../helpers/stores.js';

const BEFORE = '021-pending-promises-index';

for (const factory of STORE_FACTORIES) {
  const available = await factory.available();
  describe.skipIf(!available)(`migration 022 (a grant's version) — ${factory.name}`, () => {
    let setup: OlderDatabase;

    beforeAll(async () => {
      setup = await migratedUpTo(factory, BEFORE);
    });
    afterAll(async () => setup?.cleanup());

    it('a grant written before it is at the version of its creation, and changes at it', async () => {
      for (const slug of ['north', 'south'])
        await setup.db
          .insertInto('orgs' as never)
          .values({ slug, name: slug, created_at: 1 } as never)
          .execute();
      const id = 'grt_01J0000000000000000000000A' as GrantId;
      await setup.db
        .insertInto('event_bus_grants' as never)
        .values({
          id,
          org: 'north',
          from_org: 'south',
          event_types: '["billing.*"]',
          description: 'old',
          created_at: 1_000,
        } as never)
        .execute();

      const store = await setup.open();
      try {
        const before = {
          id,
          org: 'north',
          fromOrg: 'south',
          eventTypes: ['billing.*'],
          description: 'old',
          createdAt: 1_000,
          updatedAt: 1_000,
        };
        expect(await store.grants.get('north', id)).toEqual(before);
        const after = { ...before, eventTypes: null, updatedAt: 2_000 };
        expect(await store.grants.update(after, 1_000)).toBe(true);
        expect(await store.grants.between('north', 'south')).toEqual([after]);
      } finally {
        await store.close();
      }
    });
  });
}
