// Taking back the leases of workers that stopped beating, on a real store: a holder silent for five beats (at least
// 10 s) is gone and its in-flight actions are due at once; a live holder's, this worker's own, and a holder's that
// was only a little late are left alone; with nobody gone the sweep only reads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, type ActionId } from '../../src/core/ids.js';
import { orphanAfterMs, releaseOrphanedLeases } from '../../src/routing/orphaned-leases.js';
import type { Store } from '../../src/store/port.js';
import { newAction, pendingEvent } from '../helpers/records.js';
import { STORE_FACTORIES } from '../helpers/stores.js';
import { holdWriteLock } from '../helpers/write-lock.js';

const T0 = Date.UTC(2026, 5, 1);
const BEAT = 2_000;

for (const factory of STORE_FACTORIES) {
  const available = await factory.available();
  describe.skipIf(!available)(`orphaned leases — ${factory.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let url: string;
    beforeAll(async () => {
      ({ store, cleanup, url } = await factory.open());
      await store.orgs.create({ slug: 'acme', name: 'Acme' }, T0);
    });
    afterAll(async () => cleanup?.());

    /** One action in flight, claimed at T0 for 60 s by `holder`. */
    async function heldBy(holder: string): Promise<ActionId> {
      const event = pendingEvent('acme', T0, { id: newId('event'), data: {} });
      await store.events.insert(event);
      const action = newAction('acme', { type: 'task', kind: 'k' }, { eventId: event.id, nextAttemptAt: T0 });
      await store.actions.insertMany([action], T0);
      const id = action.id;
      expect(await store.actions.claim([id], T0, 60_000, holder)).toHaveLength(1);
      return id;
    }

    it('ends the leases of a holder silent for five beats, and only those', async () => {
      expect(orphanAfterMs(BEAT)).toBe(10_000);
      expect(orphanAfterMs(200)).toBe(10_000);
      expect(orphanAfterMs(4_000)).toBe(20_000);
      const now = T0 + 30_000;
      const gone = await heldBy('wrk_gone');
      const late = await heldBy('wrk_late');
      const alive = await heldBy('wrk_alive');
      const self = await heldBy('wrk_self');
      await store.workers.beat('wrk_gone', now - 10_001);
      await store.workers.beat('wrk_late', now - 9_000);
      await store.workers.beat('wrk_alive', now - 1_000);
      // This worker's own row is not even there (its beat failed): it never counts itself as gone.
      expect(await releaseOrphanedLeases(store, 'wrk_self', now, BEAT)).toEqual({
        released: 1,
        holders: ['wrk_gone'],
      });
      expect((await store.actions.get('acme', gone))?.leaseUntil).toBe(now);
      for (const id of [late, alive, self])
        expect((await store.actions.get('acme', id))?.leaseUntil).toBe(T0 + 60_000);
      // Due at once for the next claim, which counts the cut-off attempt.
      const retaken = await store.actions.claimDue(now + 1, 10, 60_000, 'wrk_alive');
      expect(retaken.map((a) => [a.id, a.attempts])).toEqual([[gone, 2]]);
      // A holder with no row at all (forgotten, or it left without finishing) is gone as well.
      const vanished = await heldBy('wrk_vanished');
      expect(await releaseOrphanedLeases(store, 'wrk_self', now, BEAT)).toEqual({
        released: 1,
        holders: ['wrk_vanished'],
      });
      expect((await store.actions.get('acme', vanished))?.leaseUntil).toBe(now);
    });

    it('only reads while every holder beats: it ends at once while another connection holds the write lock', async () => {
      const now = T0 + 100_000;
      const held = await heldBy('wrk_steady');
      await store.workers.beat('wrk_steady', now - 500);
      const release = await holdWriteLock(factory.name, url, ['actions']);
      try {
        const sweep = releaseOrphanedLeases(store, 'wrk_self', now, BEAT);
        const blocked = new Promise((resolve) => setTimeout(() => resolve('blocked'), 1500).unref());
        expect(await Promise.race([sweep, blocked])).toEqual({ released: 0, holders: [] });
      } finally {
        await release();
      }
      expect((await store.actions.get('acme', held))?.leaseUntil).toBe(T0 + 60_000);
    });
  });
}
