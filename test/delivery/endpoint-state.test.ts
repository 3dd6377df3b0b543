// Breaker state written by concurrent attempts: whatever order their writes reach the database in, the stored state
// is the breaker's latest (the health API and other processes read it). On PostgreSQL the writes of attempts that
// end together run on different pooled connections, which is where an older state could land last.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBus } from '../../src/bus/adapters/memory/index.js';
import { SecretBox, systemClock } from '../../src/core/index.js';
import { newId, type EventId } from '../../src/core/ids.js';
import { LiveEndpoints } from '../../src/delivery/live-endpoints.js';
import { EndpointStateKeeper } from '../../src/delivery/endpoint-state.js';
import { EventPublisher } from '../../src/events/publisher.js';
import type { Store } from '../../src/store/port.js';
import type { EventRecord } from '../../src/store/records.js';
import { endpointRecord, newAction } from '../helpers/records.js';
import { STORE_FACTORIES } from '../helpers/stores.js';

const T0 = Date.UTC(2026, 0, 1);

for (const factory of STORE_FACTORIES) {
  const available = await factory.available();
  describe.skipIf(!available)(`endpoint state — ${factory.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;

    beforeAll(async () => {
      ({ store, cleanup } = await factory.open());
      await store.orgs.create({ slug: 'acme', name: 'Acme' }, T0);
    });
    afterAll(async () => cleanup?.());

    it('the endpoint cache does not keep a read that began before an invalidate', async () => {
      // An endpoint change drops the cached copy while a worker's read of the old row may be under way (on
      // PostgreSQL it reads on another connection while the change commits); that read must not be cached.
      const live = new LiveEndpoints(store, new SecretBox(SecretBox.generateKey()), systemClock);
      const ep = endpointRecord('acme', 'cached', T0, { status: 'paused' });
      await store.endpoints.insert(ep);
      const before = live.get('acme', 'cached');
      live.invalidate('acme', 'cached');
      await store.endpoints.update(
        { ...ep, status: 'active', updatedAt: T0 + 1 },
        { basis: T0, state: true },
      );
      await before; // read the old row (on PostgreSQL it may already see the new one; then this proves less)
      expect((await live.get('acme', 'cached'))?.record.status).toBe('active');
    });

    it('stores the latest breaker state when many attempts fail at once', async () => {
      const live = new LiveEndpoints(store, new SecretBox(SecretBox.generateKey()), systemClock, {
        failureThreshold: 5,
      });
      const keeper = new EndpointStateKeeper(store, live, new EventPublisher(new MemoryBus()), systemClock, {
        warn() {},
      });
      const cause = { id: newId('event') as EventId, org: 'acme' } as unknown as EventRecord;
      // Several endpoints at once, to give the writes every chance to cross.
      const slugs = Array.from({ length: 8 }, (_, i) => `shaky-${i}`);
      for (const slug of slugs) await store.endpoints.insert(endpointRecord('acme', slug, T0));
      for (const slug of slugs) {
        const endpoint = (await live.get('acme', slug))!;
        await Promise.all(
          Array.from({ length: 12 }, () =>
            keeper.afterAttempt(endpoint, { kind: 'retry', reason: 'HTTP 503' }, cause),
          ),
        );
      }
      for (const slug of slugs) {
        const stored = (await store.endpoints.get('acme', slug))!.breaker as {
          status: string;
          consecutiveFailures: number;
        };
        expect(stored).toMatchObject({ status: 'open', consecutiveFailures: 12 });
      }
    });

    it('a worker takes the circuit another opened into the breaker its deliveries in flight hold', async () => {
      const box = new SecretBox(SecretBox.generateKey());
      // Two workers' views of one endpoint; only A's breaker sees failures.
      const a = new LiveEndpoints(store, box, systemClock, { failureThreshold: 2 });
      const b = new LiveEndpoints(store, box, systemClock, { failureThreshold: 2 });
      const heard: [string, string, number][] = [];
      const keeper = new EndpointStateKeeper(
        store,
        a,
        new EventPublisher(new MemoryBus()),
        systemClock,
        { warn() {} },
        (org, slug, woken) => heard.push([org, slug, woken]),
      );
      const cause = { id: newId('event') as EventId, org: 'acme' } as unknown as EventRecord;
      await store.endpoints.insert(endpointRecord('acme', 'shared', T0));
      const inFlight = (await b.get('acme', 'shared'))!;
      const endpoint = (await a.get('acme', 'shared'))!;
      await keeper.afterAttempt(endpoint, { kind: 'retry', reason: 'HTTP 503' }, cause);
      expect(heard).toEqual([]); // a failure below the threshold is not announced
      await keeper.afterAttempt(endpoint, { kind: 'retry', reason: 'HTTP 503' }, cause);
      expect(heard).toEqual([['acme', 'shared', 0]]);

      // An invalidate that is not about the breaker keeps B's own (the endpoint's version did not move).
      b.invalidate('acme', 'shared');
      expect((await b.get('acme', 'shared'))!.breaker.state.status).toBe('closed');
      b.invalidate('acme', 'shared', { breaker: true });
      const reread = (await b.get('acme', 'shared'))!;
      expect(reread.breaker).toBe(inFlight.breaker);
      expect(inFlight.breaker.state).toMatchObject({ status: 'open', consecutiveFailures: 2 });
      expect(inFlight.breaker.permit()).toMatchObject({ allowed: false });

      // A delivery of A's succeeds later: the closing is announced too.
      await keeper.afterAttempt(endpoint, { kind: 'success' }, cause);
      expect(heard.at(-1)).toEqual(['acme', 'shared', 0]);
      b.invalidate('acme', 'shared', { breaker: true });
      await b.get('acme', 'shared');
      expect(inFlight.breaker.state.status).toBe('closed');
    });

    /** Two workers' views of the endpoints and their keepers; what B announces is heard. */
    const twoWorkers = (failureThreshold: number) => {
      const box = new SecretBox(SecretBox.generateKey());
      const a = new LiveEndpoints(store, box, systemClock, { failureThreshold });
      const b = new LiveEndpoints(store, box, systemClock, { failureThreshold });
      const heardFromB: [string, string, number][] = [];
      const publisher = new EventPublisher(new MemoryBus());
      const keeperA = new EndpointStateKeeper(store, a, publisher, systemClock, { warn() {} });
      const keeperB = new EndpointStateKeeper(store, b, publisher, systemClock, { warn() {} }, (...heard) =>
        heardFromB.push(heard),
      );
      const cause = { id: newId('event') as EventId, org: 'acme' } as unknown as EventRecord;
      return { a, b, keeperA, keeperB, heardFromB, cause };
    };

    it('a success in one worker ends the failure streak the other worker counted', async () => {
      // Each worker feeds its own breaker; a delivery that fails in A and succeeds when B retries it must not leave
      // A's failures standing, or A opens the circuit (or disables the endpoint as failing for days) on a streak a
      // success ended, and the health API shows it failing since then.
      const { a, b, keeperA, keeperB, heardFromB, cause } = twoWorkers(3);
      await store.endpoints.insert(endpointRecord('acme', 'streak', T0));
      const kept = (await b.get('acme', 'streak'))!.breaker; // B delivered to it before: its breaker is kept
      const onA = (await a.get('acme', 'streak'))!;
      await keeperA.afterAttempt(onA, { kind: 'retry', reason: 'HTTP 503' }, cause);
      await keeperA.afterAttempt(onA, { kind: 'retry', reason: 'HTTP 503' }, cause);

      b.invalidate('acme', 'streak'); // B's copy is refreshed (once a second): the stored streak, B's own breaker
      const onB = (await b.get('acme', 'streak'))!;
      expect(onB.breaker).toBe(kept);
      await keeperB.afterAttempt(onB, { kind: 'success' }, cause);
      expect(heardFromB).toEqual([['acme', 'streak', 0]]);
      expect((await store.endpoints.get('acme', 'streak'))!.breaker).toMatchObject({
        consecutiveFailures: 0,
        failingSince: null,
      });

      a.invalidate('acme', 'streak', { breaker: true }); // the bus brings B's announcement (src/app/work.ts)
      const again = (await a.get('acme', 'streak'))!;
      await keeperA.afterAttempt(again, { kind: 'retry', reason: 'HTTP 503' }, cause);
      expect(again.breaker.state).toMatchObject({ status: 'closed', consecutiveFailures: 1 });

      // B's next success on the same read neither writes nor announces again: once per read, not per delivery.
      await keeperB.afterAttempt(onB, { kind: 'success' }, cause);
      expect(heardFromB).toHaveLength(1);
    });

    it('a success in one worker closes a circuit the other opened before it took it, waking its waiting deliveries', async () => {
      const { a, b, keeperA, keeperB, heardFromB, cause } = twoWorkers(2);
      await store.endpoints.insert(endpointRecord('acme', 'reopened', T0));
      await b.get('acme', 'reopened'); // B's breaker, from before the circuit opened
      const onA = (await a.get('acme', 'reopened'))!;
      await keeperA.afterAttempt(onA, { kind: 'retry', reason: 'HTTP 503' }, cause);
      await keeperA.afterAttempt(onA, { kind: 'retry', reason: 'HTTP 503' }, cause);
      const openUntil = onA.breaker.state.openUntil!;
      // A delivery waits for the cool-down.
      const now = Date.now();
      const waiting = newAction('acme', { type: 'webhook', endpoint: 'reopened' }, { nextAttemptAt: now });
      await store.actions.insertMany([waiting], now);
      const [claimed] = await store.actions.claim([waiting.id], now, 60_000);
      await store.actions.defer(waiting.id, openUntil, 'circuit_open', now, claimed!.attempts);

      // A delivery B started before the opening succeeds, before B took the open circuit in.
      b.invalidate('acme', 'reopened');
      const onB = (await b.get('acme', 'reopened'))!;
      expect(onB.breaker.state.status).toBe('closed');
      await keeperB.afterAttempt(onB, { kind: 'success' }, cause);
      expect(heardFromB).toEqual([['acme', 'reopened', 1]]);
      expect((await store.endpoints.get('acme', 'reopened'))!.breaker).toMatchObject({ status: 'closed' });
      const woken = (await store.actions.get('acme', waiting.id))!;
      expect(woken.nextAttemptAt).toBeLessThan(openUntil);
    });
  });
}
