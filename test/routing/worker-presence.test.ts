// Worker presence on a real store: workers that beat see each other and take their places in id order; one that
// leaves, or stops beating, drops out of the count at the others' next beat; counting alone writes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { countAlive, WorkerPresence } from '../../src/routing/worker-presence.js';
import type { Store } from '../../src/store/port.js';
import { STORE_FACTORIES } from '../helpers/stores.js';

const T0 = Date.UTC(2026, 5, 1);

for (const factory of STORE_FACTORIES) {
  const available = await factory.available();
  describe.skipIf(!available)(`worker presence — ${factory.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await factory.open());
    });
    afterAll(async () => cleanup?.());

    it('counts the workers alive and ranks them in id order', async () => {
      const clock = new ManualClock(T0);
      const [a, b, c] = ['wrk_a', 'wrk_b', 'wrk_c'].map((id) => new WorkerPresence(store, id, clock, 1000));
      expect(a!.current()).toEqual({ count: 1, rank: 0 });
      expect(await a!.beat()).toEqual({ count: 1, rank: 0 });
      expect(await c!.beat()).toEqual({ count: 2, rank: 1 });
      expect(await b!.beat()).toEqual({ count: 3, rank: 1 });
      expect(await a!.beat()).toEqual({ count: 3, rank: 0 });

      // b leaves: the others see two at their next beat.
      await b!.leave();
      expect(await c!.beat()).toEqual({ count: 2, rank: 1 });

      // a stops beating (killed): after the window (three intervals, at least 5 s) only c is left.
      clock.advance(4_000);
      expect(await c!.beat()).toEqual({ count: 2, rank: 1 });
      clock.advance(2_000);
      expect(await c!.beat()).toEqual({ count: 1, rank: 0 });
      expect(c!.current()).toEqual({ count: 1, rank: 0 });
    });

    it('counts each kind alive without beating, for a process that is not one of them', async () => {
      const clock = new ManualClock(T0 + 86_400_000);
      const at = () =>
        Promise.all([
          countAlive(store, 'worker', clock.now(), 1000),
          countAlive(store, 'ingester', clock.now(), 1000),
        ]);
      expect(await at()).toEqual([0, 0]);
      const workers = ['wrk_x', 'wrk_y'].map((id) => new WorkerPresence(store, id, clock, 1000));
      const ingester = new WorkerPresence(store, 'ing_x', clock, 1000);
      for (const p of [...workers, ingester]) await p.beat();
      expect(await at()).toEqual([2, 1]);
      await workers[0]!.leave();
      expect(await at()).toEqual([1, 1]);
      // Past the window (three intervals, at least 5 s) without a beat, none is counted.
      clock.advance(5_001);
      expect(await at()).toEqual([0, 0]);
    });

    it('counts without writing: a process gone for hours is forgotten by a heartbeat, never by a count', async () => {
      const clock = new ManualClock(T0 + 2 * 86_400_000);
      const gone = new WorkerPresence(store, 'wrk_gone', clock, 1000);
      await gone.beat();
      clock.advance(2 * 3_600_000);
      const stored = async () => (await store.workers.live(0)).filter((id) => id === 'wrk_gone');
      // A scrape of the processes alive counts none, and the gone worker's row is still there.
      expect(await countAlive(store, 'worker', clock.now(), 1000)).toBe(0);
      expect(await stored()).toEqual(['wrk_gone']);
      // Another process's heartbeat forgets it.
      await new WorkerPresence(store, 'ing_beating', clock, 1000).beat();
      expect(await stored()).toEqual([]);
    });
  });
}
