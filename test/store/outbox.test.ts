// The JetStream event log's outbox, on both stores: entries come back in the order they were added, go only when
// removed (removing one twice, as two publishing processes may, is no error), and retention forgets old ones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventId } from '../../src/core/ids.js';
import type { Store } from '../../src/store/port.js';
import type { OutboxEntry } from '../../src/store/records.js';
import { STORE_FACTORIES } from '../helpers/stores.js';

const entry = (n: number, createdAt: number, routeSeq = 1): OutboxEntry => ({
  eventId: `evt_${String(n).padStart(4, '0')}` as EventId,
  routeSeq,
  org: n % 2 ? 'acme' : 'default',
  createdAt,
});

for (const factory of STORE_FACTORIES) {
  const available = await factory.available();
  describe.skipIf(!available)(`JetStream outbox — ${factory.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await factory.open());
    });
    afterAll(async () => cleanup?.());

    it('gives entries back oldest first, the same event once per routing pass, until they are removed', async () => {
      expect(await store.outbox.next(10)).toEqual([]);
      expect(await store.outbox.oldest()).toBeUndefined();
      // Two routing transactions; the second replays event 1 (its second pass).
      await store.transaction((tx) => tx.outbox.add([entry(2, 1_000), entry(1, 1_000), entry(3, 1_000)]));
      await store.outbox.add([entry(1, 2_000, 2), entry(4, 2_000)]);
      const all = await store.outbox.next(10);
      expect(all.map((e) => `${e.eventId}.${e.routeSeq}`)).toEqual([
        'evt_0001.1',
        'evt_0002.1',
        'evt_0003.1',
        'evt_0001.2',
        'evt_0004.1',
      ]);
      expect(all[0]).toEqual(entry(1, 1_000));
      expect(await store.outbox.next(2)).toEqual(all.slice(0, 2));
      expect(await store.outbox.oldest()).toBe(1_000);

      await store.outbox.remove([all[0]!, all[3]!]);
      // Another process published and removed the same entry: nothing left to remove, no error.
      await store.outbox.remove([all[0]!]);
      expect((await store.outbox.next(10)).map((e) => `${e.eventId}.${e.routeSeq}`)).toEqual([
        'evt_0002.1',
        'evt_0003.1',
        'evt_0004.1',
      ]);
    });

    it('removes many entries at once (more than one statement holds)', async () => {
      const many = Array.from({ length: 1_203 }, (_, i) => entry(100 + i, 3_000));
      await store.outbox.add(many);
      expect(await store.outbox.next(2_000)).toHaveLength(1_206);
      await store.outbox.remove(many);
      expect(await store.outbox.next(2_000)).toHaveLength(3);
    });

    it('forgets entries older than the retention', async () => {
      expect(await store.outbox.prune(1_500)).toBe(2);
      expect((await store.outbox.next(10)).map((e) => e.eventId)).toEqual(['evt_0004']);
      expect(await store.outbox.oldest()).toBe(2_000);
    });
  });
}
