// The causes of executions started on an external engine, on both stores: the first cause of an execution stays,
// every process reads it, and retention forgets old ones. ExecutionCauses keeps them in memory in front.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutionCauses } from '../../src/engine/adapters/flovyn/execution-causes.js';
import type { Store } from '../../src/store/port.js';
import { STORE_FACTORIES } from '../helpers/stores.js';

for (const factory of STORE_FACTORIES) {
  const available = await factory.available();
  describe.skipIf(!available)(`execution causes — ${factory.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await factory.open());
    });
    afterAll(async () => cleanup?.());

    it('keeps the first cause of an execution; a later one (a replay naming it) changes nothing', async () => {
      await store.executionCauses.remember({
        executionId: 'wf-1',
        eventId: 'evt_a',
        hops: 2,
        createdAt: 1_000,
      });
      await store.executionCauses.remember({
        executionId: 'wf-1',
        eventId: 'evt_b',
        hops: 0,
        createdAt: 2_000,
      });
      expect(await store.executionCauses.of('wf-1')).toEqual({
        executionId: 'wf-1',
        eventId: 'evt_a',
        hops: 2,
        createdAt: 1_000,
      });
      expect(await store.executionCauses.of('wf-unknown')).toBeUndefined();
    });

    it('forgets causes older than the retention', async () => {
      await store.executionCauses.remember({ executionId: 'old', eventId: 'e', hops: 0, createdAt: 500 });
      await store.executionCauses.remember({ executionId: 'new', eventId: 'e', hops: 0, createdAt: 5_000 });
      expect(await store.executionCauses.prune(1_500)).toBe(2); // 'old' and 'wf-1'
      expect(await store.executionCauses.of('old')).toBeUndefined();
      expect(await store.executionCauses.of('new')).toBeDefined();
    });

    it('another process (another ExecutionCauses on the same store) reads what one remembered', async () => {
      let now = 10_000;
      const starter = new ExecutionCauses(store.executionCauses, () => now);
      const other = new ExecutionCauses(store.executionCauses, () => now, 1);
      await starter.remember('wf-2', { eventId: 'evt_c', hops: 4 });
      now += 1;
      expect(await other.of('wf-2')).toEqual({ eventId: 'evt_c', hops: 4 });
      expect((await store.executionCauses.of('wf-2'))?.createdAt).toBe(10_000);
    });
  });
}
