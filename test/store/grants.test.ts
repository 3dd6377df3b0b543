// Grants of cross-org event_bus publishing on both stores: each org reads, changes and deletes only its own, a
// change is saved only at the version it was read at, and `between` finds what one org gave another.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, type GrantId } from '../../src/core/ids.js';
import type { Store } from '../../src/store/port.js';
import type { GrantRecord } from '../../src/store/records.js';
import { STORE_FACTORIES } from '../helpers/stores.js';

const grant = (org: string, fromOrg: string, eventTypes: string[] | null): GrantRecord => ({
  id: newId('grant'),
  org,
  fromOrg,
  eventTypes,
  description: `${fromOrg} into ${org}`,
  createdAt: 1_000,
  updatedAt: 1_000,
});

for (const factory of STORE_FACTORIES) {
  const available = await factory.available();
  describe.skipIf(!available)(`grants — ${factory.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await factory.open());
      for (const slug of ['north', 'south', 'east']) await store.orgs.create({ slug, name: slug }, 1);
    });
    afterAll(async () => cleanup?.());

    it('keeps grants under the receiving org, with their event types as given', async () => {
      const all = grant('north', 'south', null);
      const limited = grant('north', 'south', ['billing.*', 'order.created']);
      const other = grant('south', 'north', ['x']);
      await store.transaction(async (tx) => {
        for (const g of [all, limited, other]) await tx.grants.insert(g);
      });
      expect(await store.grants.list('north')).toEqual([all, limited]);
      expect(await store.grants.list('south')).toEqual([other]);
      expect(await store.grants.list('east')).toEqual([]);
      expect(await store.grants.between('north', 'south')).toEqual([all, limited]);
      expect(await store.grants.between('south', 'north')).toEqual([other]);
      expect(await store.grants.between('north', 'east')).toEqual([]);
      expect(await store.grants.get('north', limited.id)).toEqual(limited);
      // Another org's grant is not found by id under this org.
      expect(await store.grants.get('south', limited.id)).toBeUndefined();
    });

    it('deletes a grant only under its own org', async () => {
      const g = grant('east', 'north', null);
      await store.grants.insert(g);
      expect(await store.grants.delete('north', g.id)).toBe(false);
      expect(await store.grants.get('east', g.id)).toEqual(g);
      expect(await store.grants.delete('east', g.id)).toBe(true);
      expect(await store.grants.delete('east', g.id)).toBe(false);
      expect(await store.grants.get('east', g.id)).toBeUndefined();
      expect(await store.grants.delete('east', newId('grant') as GrantId)).toBe(false);
    });

    it('deletes a grant at a given version only while it is at that version', async () => {
      const g = grant('east', 'south', null);
      await store.grants.insert(g);
      await store.grants.update({ ...g, description: 'changed', updatedAt: 1_500 }, g.updatedAt);
      expect(await store.grants.delete('east', g.id, g.updatedAt)).toBe(false);
      expect((await store.grants.get('east', g.id))?.description).toBe('changed');
      expect(await store.transaction((tx) => tx.grants.delete('east', g.id, 1_500))).toBe(true);
      expect(await store.grants.get('east', g.id)).toBeUndefined();
    });

    it('changes a grant’s event types and description only at the version it was read at, under its own org', async () => {
      const g = grant('east', 'south', ['billing.*']);
      await store.grants.insert(g);
      const changed = { ...g, eventTypes: null, description: 'anything', updatedAt: 2_000 };
      expect(await store.grants.update({ ...changed, org: 'north' }, g.updatedAt)).toBe(false);
      expect(await store.transaction((tx) => tx.grants.update(changed, g.updatedAt))).toBe(true);
      expect(await store.grants.get('east', g.id)).toEqual(changed);
      expect(await store.grants.between('east', 'south')).toEqual([changed]);
      // A change read before that one is not saved over it.
      expect(await store.grants.update({ ...g, eventTypes: ['x'], updatedAt: 2_001 }, g.updatedAt)).toBe(
        false,
      );
      const narrowed = { ...changed, eventTypes: ['order.created'], updatedAt: 3_000 };
      expect(await store.grants.update(narrowed, changed.updatedAt)).toBe(true);
      expect(await store.grants.get('east', g.id)).toEqual(narrowed);
      // A deleted grant is not brought back.
      expect(await store.grants.delete('east', g.id)).toBe(true);
      expect(await store.grants.update({ ...narrowed, updatedAt: 4_000 }, narrowed.updatedAt)).toBe(false);
      expect(await store.grants.get('east', g.id)).toBeUndefined();
    });

    it('refuses a grant naming an org that does not exist (foreign key)', async () => {
      await expect(store.grants.insert(grant('north', 'nowhere', null))).rejects.toThrow();
    });
  });
}
