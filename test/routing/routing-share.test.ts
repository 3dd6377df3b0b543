// Dividing routing among workers: the share functions, and each store reading exactly a worker's share (the SQL
// agrees with idShare), orgs with a FIFO endpoint kept whole on one worker, and strays of other shares taken only
// once older than their grace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.js';
import { idShare, inShare, orgShare, RoutingShare, shareGraces } from '../../src/routing/routing-share.js';
import type { WorkerShare } from '../../src/routing/worker-presence.js';
import type { Store } from '../../src/store/port.js';
import type { NewEvent } from '../../src/store/records.js';
import { endpointRecord, pendingEvent } from '../helpers/records.js';
import { STORE_FACTORIES } from '../helpers/stores.js';

// Later than the clock: ids are monotonic within a process, and one made at an earlier time takes the last time.
const T0 = Date.UTC(2030, 0, 1);
const GRACES = shareGraces(1000);

describe('share functions', () => {
  it('spread ids evenly over the workers, as ids come from one process or many', () => {
    for (const count of [2, 3, 4]) {
      const tally = new Array<number>(count).fill(0);
      // Bursts within one millisecond (the ULID's random part incremented) and fresh milliseconds alike.
      for (let i = 0; i < 12_000; i++) tally[idShare(newId('event', T0 + Math.floor(i / 50)), count)]! += 1;
      for (const n of tally) expect(Math.abs(n - 12_000 / count)).toBeLessThan((12_000 / count) * 0.08);
    }
  });

  it('give every org one stable place, and everything to a single worker', () => {
    expect(orgShare('acme', 3)).toBe(orgShare('acme', 3));
    const places = new Set(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((org) => orgShare(org, 3)));
    expect(places.size).toBeGreaterThan(1);
    const sole = { count: 1, rank: 0 };
    expect(inShare({ id: newId('event'), org: 'acme' }, sole, [])).toBe(true);
    expect(inShare({ id: newId('event'), org: 'acme' }, sole, ['acme'])).toBe(true);
  });
});

for (const factory of STORE_FACTORIES) {
  const available = await factory.available();
  describe.skipIf(!available)(`routing share — ${factory.name}`, () => {
    // A day of its own per store: ids are monotonic, so the second store's events must come later still.
    const T1 = T0 + 86_400_000 * (1 + STORE_FACTORIES.indexOf(factory));
    let store: Store;
    let cleanup: () => Promise<void>;
    const ORGS = ['plain', 'fifo-a', 'fifo-b', 'fifo-c'];
    const events: NewEvent[] = [];
    beforeAll(async () => {
      ({ store, cleanup } = await factory.open());
      for (const org of ORGS) await store.orgs.create({ slug: org, name: org }, T1);
      for (const org of ORGS.slice(1))
        await store.endpoints.insert(endpointRecord(org, 'lane', T1, { ordering: 'fifo' }));
      // An org whose FIFO endpoint is deleted is shared by event again.
      await store.endpoints.insert(endpointRecord('plain', 'gone', T1, { ordering: 'fifo' }));
      await store.endpoints.softDelete('plain', 'gone', T1);
      for (let i = 0; i < 400; i++) events.push(pendingEvent(ORGS[i % 4 === 0 ? 1 + (i % 3) : 0]!, T1 + i));
      for (const e of events) await store.events.insert(e);
    });
    afterAll(async () => cleanup?.());

    const worker = (place: WorkerShare) => new RoutingShare(store, () => place, GRACES);
    const ids = (list: { id: string }[]) => list.map((e) => e.id);

    it('lists the orgs with a live FIFO endpoint', async () => {
      expect(await store.endpoints.orderedOrgs()).toEqual(['fifo-a', 'fifo-b', 'fifo-c']);
    });

    it('alone, reads exactly the oldest pending events', async () => {
      const sole = await worker({ count: 1, rank: 0 }).pending(100, T1 + 1000);
      expect(ids(sole)).toEqual(ids(await store.events.listPending(100)));
      expect(ids(sole)).toEqual(ids(events.slice(0, 100)));
    });

    it('divides the pending events: each worker reads its own share, oldest first, and together all of them', async () => {
      const ordered = await store.endpoints.orderedOrgs();
      // Young events (no strays yet): each sees only its share.
      const now = T1 + 400;
      for (const count of [2, 3]) {
        const seen: string[] = [];
        for (let rank = 0; rank < count; rank++) {
          const place = { count, rank };
          const got = await worker(place).pending(1000, now);
          const want = events.filter((e) => inShare(e, place, ordered));
          expect(ids(got)).toEqual(ids(want));
          expect(got.length).toBeGreaterThan(0);
          seen.push(...ids(got));
        }
        expect(seen.sort()).toEqual(ids(events).sort());
      }
      // Each org with a FIFO endpoint is wholly on one worker.
      for (const org of ordered) {
        const owners = new Set<number>();
        for (let rank = 0; rank < 3; rank++)
          if ((await worker({ count: 3, rank }).pending(1000, now)).some((e) => e.org === org))
            owners.add(rank);
        expect(owners.size).toBe(1);
      }
    });

    it('a full share is a full batch: more may follow, and the batch holds the oldest of the share', async () => {
      const place = { count: 2, rank: 1 };
      const got = await worker(place).pending(10, T1 + 400);
      expect(got).toHaveLength(10);
      const ordered = await store.endpoints.orderedOrgs();
      expect(ids(got)).toEqual(ids(events.filter((e) => inShare(e, place, ordered)).slice(0, 10)));
    });

    it('takes strays of other shares with room left, once older than the grace; FIFO orgs much later', async () => {
      const place = { count: 2, rank: 0 };
      const ordered = await store.endpoints.orderedOrgs();
      const own = events.filter((e) => inShare(e, place, ordered));
      const others = events.filter((e) => !inShare(e, place, ordered));
      // The first 100 events are older than the stray grace; the rest are not.
      const now = T1 + 100 + GRACES.strayMs;
      const got = await worker(place).pending(1000, now);
      const strays = others.filter((e) => !ordered.includes(e.org) && e.time < T1 + 100);
      expect(strays.length).toBeGreaterThan(0);
      expect(ids(got)).toEqual(ids([...own, ...strays].sort((a, b) => (a.id < b.id ? -1 : 1))));
      // After the FIFO grace, every other share's old events too: nothing is left to a worker that is gone.
      const late = T1 + 1000 + GRACES.wholeOrgStrayMs;
      expect(ids(await worker(place).pending(1000, late))).toEqual(ids(events));
      // A full share leaves no room: no strays.
      expect(ids(await worker(place).pending(own.length, late))).toEqual(ids(own));
    });
  });
}
