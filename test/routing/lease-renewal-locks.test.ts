// Renewing leases beside the transaction that records attempts' outcomes, on a real store. The worker's completion
// batch settles its actions in the order their attempts ended, while a renewal goes through the same actions in id
// order: on PostgreSQL the two used to wait for each other (deadlock detected), and the renewal, or the outcomes, died.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, type ActionId } from '../../src/core/ids.js';
import type { Store } from '../../src/store/port.js';
import { newAction, pendingEvent } from '../helpers/records.js';
import { STORE_FACTORIES } from '../helpers/stores.js';

const T0 = Date.UTC(2026, 5, 1);

for (const factory of STORE_FACTORIES) {
  const available = await factory.available();
  describe.skipIf(!available)(`lease renewal beside settling outcomes — ${factory.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await factory.open());
      await store.orgs.create({ slug: 'acme', name: 'Acme' }, T0);
    });
    afterAll(async () => cleanup?.());

    async function inFlight(n: number): Promise<ActionId[]> {
      const event = pendingEvent('acme', T0, { id: newId('event'), data: {} });
      await store.events.insert(event);
      const actions = Array.from({ length: n }, () =>
        newAction('acme', { type: 'task', kind: 'k' }, { eventId: event.id, nextAttemptAt: T0 }),
      );
      await store.actions.insertMany(actions, T0);
      const ids = actions.map((a) => a.id).sort();
      expect(await store.actions.claim(ids, T0, 60_000, 'wrk_here')).toHaveLength(n);
      return ids;
    }

    it('neither waits for nor deadlocks with outcomes settled out of id order', async () => {
      const [first, second] = await inFlight(2);
      let settledSecond!: () => void;
      const secondSettled = new Promise<void>((r) => (settledSecond = r));
      // The later action's attempt ended first: the batch settles it, then the earlier one.
      const batch = store.transaction(async (tx) => {
        expect(await tx.actions.succeed(second!, 1, null, T0 + 10)).toBe(true);
        settledSecond();
        await new Promise((r) => setTimeout(r, 300));
        expect(await tx.actions.succeed(first!, 1, null, T0 + 10)).toBe(true);
      });
      await secondSettled;
      const renewal = store.relaxed((tx) =>
        tx.actions.renewLeases(
          [
            { id: first!, attempt: 1 },
            { id: second!, attempt: 1 },
          ],
          T0 + 90_000,
        ),
      );
      const [b, r] = await Promise.allSettled([batch, renewal]);
      expect(b.status === 'rejected' ? String(b.reason) : 'ok').toBe('ok');
      expect(r.status === 'rejected' ? String(r.reason) : 'ok').toBe('ok');
      expect((await store.actions.get('acme', first!))?.status).toBe('succeeded');
      expect((await store.actions.get('acme', second!))?.status).toBe('succeeded');
    });
  });
}
