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

    // Last: it leaves actions in flight for a live holder, which the tests above would count.
    it('records the attempt a lost lease cut off as interrupted, once, on either claim path', async () => {
      const now = T0 + 200_000;
      // Its lease simply ran out (60 s after T0): claimDue takes it back.
      const expired = await heldBy('wrk_dead');
      const retaken = await store.actions.claimDue(now, 100, 60_000, 'wrk_alive');
      expect(retaken.find((a) => a.id === expired)).toMatchObject({ attempts: 2 });
      const history = await store.attempts.listByAction('acme', expired);
      expect(history).toMatchObject([
        { number: 1, outcome: 'interrupted', statusCode: null, startedAt: T0, endpoint: null },
      ]);
      expect(history[0]!.error).toMatch(/worker stopped before the outcome was recorded/);
      // The two-step claim of a candidate found with its lease lost.
      const twoStep = await heldBy('wrk_dead');
      const candidates = await store.actions.dueCandidates(now, 100);
      expect(candidates.find((c) => c.id === twoStep)).toEqual({
        id: twoStep,
        org: 'acme',
        endpoint: null,
        leaseLost: true,
      });
      await store.actions.claim([twoStep], now, 60_000, 'wrk_alive', [twoStep]);
      expect((await store.attempts.listByAction('acme', twoStep)).map((a) => a.outcome)).toEqual([
        'interrupted',
      ]);
      // Its worker had recorded the outcome after all: nothing is added.
      const answered = await heldBy('wrk_slow');
      await store.attempts.insert({
        id: newId('attempt'),
        actionId: answered,
        org: 'acme',
        number: 1,
        startedAt: T0,
        latencyMs: 5,
        outcome: 'failed',
        statusCode: 500,
        request: null,
        responseHeaders: null,
        responseBody: null,
        error: 'HTTP 500',
        endpoint: null,
      });
      await store.actions.claim([answered], now, 60_000, 'wrk_alive', [answered]);
      expect((await store.attempts.listByAction('acme', answered)).map((a) => a.outcome)).toEqual(['failed']);
      // An ordinary claim of a due action records nothing.
      const event = pendingEvent('acme', now, { id: newId('event'), data: {} });
      await store.events.insert(event);
      const fresh = newAction('acme', { type: 'task', kind: 'k' }, { eventId: event.id, nextAttemptAt: now });
      await store.actions.insertMany([fresh], now);
      await store.actions.claimDue(now, 100, 60_000, 'wrk_alive');
      expect(await store.attempts.listByAction('acme', fresh.id)).toEqual([]);
    });
  });
}
