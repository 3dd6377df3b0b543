// The Store contract for outbound delivery, on SQLite and PostgreSQL: endpoints, their worker-owned state, and the
// action queries delivery relies on (endpoint filter, waiting without attempts, FIFO lanes, health samples).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, type ActionId } from '../../src/core/ids.js';
import type { ActionFilter, Store } from '../../src/store/port.js';
import type { ActionRecord, EndpointRecord, NewAction } from '../../src/store/records.js';
import { endpointRecord, newAction } from '../helpers/records.js';
import { STORE_FACTORIES } from '../helpers/stores.js';

const T0 = Date.UTC(2026, 5, 1);

/** An endpoint with every optional setting filled, sealed values included (stored, never opened here). */
function endpoint(org: string, slug: string, over: Partial<EndpointRecord> = {}): EndpointRecord {
  return endpointRecord(org, slug, T0, {
    headers: { 'x-a': '1' },
    auth: { type: 'bearer', sealed: 'v1.sealed', info: {} },
    secrets: [{ id: 'sec_1', sealed: 'v1.s', createdAt: T0, expiresAt: null, publicKey: null }],
    rateLimit: 2.5,
    retry: { delaysMs: [1000, 2000], maxAttempts: 3 },
    ...over,
  });
}

const action = (org: string, target: Record<string, unknown>, over: Partial<NewAction> = {}) =>
  newAction(org, target, { nextAttemptAt: T0, ...over });

/** Every action `list` returns for `filter`, following the cursor `limit` at a time (at most 10 pages). */
async function everyPage(
  store: Store,
  org: string,
  filter: ActionFilter,
  limit: number,
): Promise<ActionRecord[]> {
  const all: ActionRecord[] = [];
  for (let before: string | undefined, n = 0; n < 10; n++) {
    const page = await store.actions.list(org, filter, { limit, ...(before !== undefined && { before }) });
    all.push(...page.items);
    if (page.next === null) break;
    before = page.next;
  }
  return all;
}

for (const factory of STORE_FACTORIES) {
  const available = await factory.available();
  describe.skipIf(!available)(`Store contract, delivery — ${factory.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;

    beforeAll(async () => {
      ({ store, cleanup } = await factory.open());
      await store.orgs.create({ slug: 'acme', name: 'Acme' }, T0);
      await store.orgs.create({ slug: 'other', name: 'Other' }, T0);
    });
    afterAll(async () => cleanup?.());

    it('stores endpoints, keeps slugs unique per org among live ones, and frees them on delete', async () => {
      const ep = endpoint('acme', 'orders');
      await store.endpoints.insert(ep);
      expect(await store.endpoints.get('acme', 'orders')).toEqual(ep);
      await expect(store.endpoints.insert(endpoint('acme', 'orders'))).rejects.toMatchObject({
        code: 'EH_ENDPOINT_EXISTS',
      });
      await store.endpoints.insert(endpoint('other', 'orders'));
      expect(await store.endpoints.softDelete('acme', 'orders', T0 + 1)).toBe(true);
      expect(await store.endpoints.get('acme', 'orders')).toBeUndefined();
      expect((await store.endpoints.getById(ep.id))?.deletedAt).toBe(T0 + 1);
      await store.endpoints.insert(endpoint('acme', 'orders'));
      expect((await store.endpoints.list('acme')).map((e) => e.slug)).toEqual(['orders']);
      expect(await store.endpoints.list('acme', { includeDeleted: true })).toHaveLength(2);
    });

    it('a settled read waits for a change of the endpoint under way and returns what it committed', async () => {
      // A parked delivery's recheck must see an enable that is committing at that moment (on PostgreSQL a plain read
      // returns the old row, and the enable's wake may have skipped the parking).
      const ep = endpoint('acme', 'settling', { status: 'paused' });
      await store.endpoints.insert(ep);
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let updated!: () => void;
      const didUpdate = new Promise<void>((r) => (updated = r));
      const change = store.transaction(async (tx) => {
        await tx.endpoints.update({ ...ep, status: 'active', updatedAt: T0 + 1 }, { basis: T0, state: true });
        updated();
        await held;
      });
      await didUpdate;
      let read: EndpointRecord | undefined | 'pending' = 'pending';
      const reading = store.endpoints.get('acme', 'settling', { settled: true }).then((r) => (read = r));
      await new Promise((r) => setTimeout(r, 100));
      expect(read).toBe('pending');
      release();
      await change;
      await reading;
      expect(read).toMatchObject({ status: 'active' });
    });

    it('updates configuration, and writes worker state without moving updatedAt; a status change applies once', async () => {
      const ep = endpoint('acme', 'stateful');
      await store.endpoints.insert(ep);
      const edit = { ...ep, url: 'https://example.com/new', rateLimit: null, updatedAt: T0 + 5 };
      // Saved only from the version it was read at.
      expect(await store.endpoints.update(edit, { basis: T0 - 1, state: false })).toBe(false);
      expect(await store.endpoints.update(edit, { basis: T0, state: false })).toBe(true);
      expect(await store.endpoints.update(edit, { basis: T0, state: false })).toBe(false);
      expect(await store.endpoints.get('acme', 'stateful')).toMatchObject({
        url: 'https://example.com/new',
        rateLimit: null,
        updatedAt: T0 + 5,
      });
      const breaker = {
        status: 'open',
        consecutiveFailures: 5,
        failingSince: T0,
        openUntil: T0 + 60_000,
        trips: 1,
        probeStartedAt: null,
      };
      expect(await store.endpoints.setState(ep.id, { breaker }, T0 + 9)).toBe(true);
      expect(await store.endpoints.get('acme', 'stateful')).toMatchObject({ breaker, updatedAt: T0 + 5 });
      // A breaker built before a reset does not write over it.
      expect(await store.endpoints.setState(ep.id, { breaker: null }, T0 + 9, T0)).toBe(false);
      expect(await store.endpoints.setState(ep.id, { breaker }, T0 + 9, T0 + 5)).toBe(true);
      // A configuration edit leaves the worker's breaker and status alone…
      const stale = {
        ...edit,
        description: 'edited',
        breaker: null,
        status: 'paused' as const,
        updatedAt: T0 + 6,
      };
      expect(await store.endpoints.update(stale, { basis: T0 + 5, state: false })).toBe(true);
      expect(await store.endpoints.get('acme', 'stateful')).toMatchObject({
        description: 'edited',
        breaker,
        status: 'active',
      });
      // …and writes them only when asked to (a status change, a reset).
      const paused = { ...stale, updatedAt: T0 + 7 };
      expect(await store.endpoints.update(paused, { basis: T0 + 6, state: true })).toBe(true);
      expect(await store.endpoints.get('acme', 'stateful')).toMatchObject({
        breaker: null,
        status: 'paused',
      });
      const active = { ...paused, status: 'active' as const, breaker, updatedAt: T0 + 8 };
      expect(await store.endpoints.update(active, { basis: T0 + 7, state: true })).toBe(true);
      expect(
        await store.endpoints.setState(
          ep.id,
          { breaker, status: 'disabled', disabledReason: 'gone' },
          T0 + 10,
        ),
      ).toBe(true);
      expect(
        await store.endpoints.setState(
          ep.id,
          { breaker, status: 'disabled', disabledReason: 'again' },
          T0 + 11,
        ),
      ).toBe(false);
      expect(await store.endpoints.get('acme', 'stateful')).toMatchObject({
        status: 'disabled',
        disabledReason: 'gone',
        updatedAt: T0 + 10,
      });
    });

    it('fills the endpoint of webhook actions, filters and counts by it', async () => {
      const hooks = [
        action('acme', { type: 'webhook', endpoint: 'dlq' }),
        action('acme', { type: 'webhook', endpoint: 'dlq' }),
      ];
      const other = action('acme', { type: 'workflow', kind: 'k' });
      await store.actions.insertMany([...hooks, other], T0);
      expect((await store.actions.get('acme', hooks[0]!.id))?.endpoint).toBe('dlq');
      expect((await store.actions.get('acme', other.id))?.endpoint).toBeNull();
      await store.actions.claim([hooks[0]!.id], T0, 60_000);
      await store.actions.fail(hooks[0]!.id, 1, 'boom', null, T0);
      const page = await store.actions.list('acme', { endpoint: 'dlq', status: 'dead' }, { limit: 10 });
      expect(page.items.map((a) => a.id)).toEqual([hooks[0]!.id]);
      expect(await store.actions.countByStatus('acme', { endpoint: 'dlq' })).toEqual({
        pending: 1,
        in_flight: 0,
        succeeded: 0,
        failed: 0,
        dead: 1,
      });
      // Only the statuses asked for are counted.
      expect(await store.actions.countByStatus('acme', { endpoint: 'dlq' }, ['dead', 'in_flight'])).toEqual({
        pending: 0,
        in_flight: 0,
        succeeded: 0,
        failed: 0,
        dead: 1,
      });
      expect((await store.actions.countByStatus('acme', { endpoint: 'dlq' }, [])).pending).toBe(0);
      expect((await store.actions.list('other', { endpoint: 'dlq' }, { limit: 10 })).items).toHaveLength(0);
    });

    it("lists an endpoint's actions of every status newest first, page by page", async () => {
      // Created in id order, interleaved with another endpoint's and another org's, then settled differently. None
      // becomes due (the tests share the store).
      const day = T0 + 86_400_000;
      const later = { nextAttemptAt: day };
      const mine: NewAction[] = [];
      const others: NewAction[] = [];
      for (let i = 0; i < 7; i++) {
        mine.push(action('acme', { type: 'webhook', endpoint: 'mixed' }, later));
        others.push(
          action('acme', { type: 'webhook', endpoint: 'loud' }, later),
          action('beta', { type: 'webhook', endpoint: 'mixed' }, later),
        );
      }
      const dead = action('acme', { type: 'webhook', endpoint: 'mixed' }, { status: 'dead', lastError: 'x' });
      await store.actions.insertMany([...mine, ...others, dead], T0);
      const [succeeded, failed, retrying, inFlight] = mine.map((a) => a.id);
      await store.actions.claim([succeeded!, failed!, retrying!, inFlight!], day, 60_000);
      await store.actions.succeed(succeeded!, 1, { statusCode: 200 }, day);
      await store.actions.fail(failed!, 1, 'gone', null, day);
      await store.actions.fail(retrying!, 1, 'busy', day + 86_400_000, day);
      const listed = await everyPage(store, 'acme', { endpoint: 'mixed' }, 3);
      const statuses = new Set(listed.map((a) => a.status));
      const seen = listed.map((a) => a.id);
      expect(statuses).toEqual(new Set(['pending', 'in_flight', 'succeeded', 'failed', 'dead']));
      expect(seen).toEqual([...mine, dead].map((a) => a.id).reverse());
      // Other filters still apply.
      expect(
        (await store.actions.list('acme', { endpoint: 'mixed', targetType: 'workflow' }, { limit: 3 })).items,
      ).toEqual([]);
    });

    it("pages through an org's dead letters newest first, and a retried one leaves them", async () => {
      // Dead letters of two endpoints and of a workflow target, among deliveries still waiting and another org's.
      const later = { nextAttemptAt: T0 + 86_400_000 };
      const dead = { status: 'dead' as const, lastError: 'x' };
      const letters = [
        action('gamma', { type: 'webhook', endpoint: 'a' }, dead),
        action('gamma', { type: 'webhook', endpoint: 'a' }, later),
        action('gamma', { type: 'workflow', kind: 'k' }, dead),
        action('delta', { type: 'webhook', endpoint: 'a' }, dead),
        action('gamma', { type: 'webhook', endpoint: 'b' }, dead),
        action('gamma', { type: 'webhook', endpoint: 'a' }, dead),
        action('gamma', { type: 'webhook', endpoint: 'b' }, later),
        action('gamma', { type: 'webhook', endpoint: 'a' }, dead),
      ];
      await store.actions.insertMany(letters, T0);
      const queue = async (filter: ActionFilter = {}) =>
        (await everyPage(store, 'gamma', { ...filter, status: 'dead' }, 2)).map((a) => a.id);
      const gammaDead = letters.filter((a) => a.org === 'gamma' && a.status === 'dead');
      expect(await queue()).toEqual(gammaDead.map((a) => a.id).reverse());
      expect(await queue({ eventId: gammaDead[1]!.eventId })).toEqual([gammaDead[1]!.id]);
      expect(await store.actions.retry('gamma', [gammaDead[2]!.id], T0 + 86_400_000)).toBe(1);
      expect(await queue()).toEqual(
        gammaDead
          .filter((_, i) => i !== 2)
          .map((a) => a.id)
          .reverse(),
      );
    });

    it('defers a claimed action only under the claim named by its attempt, when one is named', async () => {
      const a = action('acme', { type: 'webhook', endpoint: 'claims' }, { nextAttemptAt: T0 });
      await store.actions.insertMany([a], T0);
      // Claimed by id: a claim of everything due would take earlier tests' actions too.
      const [first] = await store.actions.claim([a.id], T0, 1_000);
      expect(first).toMatchObject({ id: a.id, attempts: 1 });
      // The lease runs out and another claim takes the action: the first claim's late hand-back changes nothing.
      const [second] = await store.actions.claim([a.id], T0 + 2_000, 60_000);
      expect(second).toMatchObject({ id: a.id, attempts: 2 });
      // (Waiting without a time, so no later test's claim finds it due.)
      await store.actions.defer(a.id, null, 'endpoint_paused', T0 + 3_000, first!.attempts);
      expect(await store.actions.get('acme', a.id)).toMatchObject({
        status: 'in_flight',
        attempts: 2,
        waiting: null,
        leaseUntil: T0 + 62_000,
      });
      // The claim that holds it hands it back.
      await store.actions.defer(a.id, null, 'endpoint_paused', T0 + 3_000, second!.attempts);
      expect(await store.actions.get('acme', a.id)).toMatchObject({
        status: 'failed',
        attempts: 1,
        waiting: 'endpoint_paused',
        nextAttemptAt: null,
        leaseUntil: null,
      });
    });

    it('defers a claimed action without counting the attempt, and wakes waiting ones by reason and lane', async () => {
      const a = action('acme', { type: 'webhook', endpoint: 'wait' }, { nextAttemptAt: T0 });
      const b = action('acme', { type: 'webhook', endpoint: 'wait' }, { nextAttemptAt: T0 });
      await store.actions.insertMany([a, b], T0);
      const claimed = await store.actions.claimDue(T0, 100, 60_000);
      expect(claimed.map((x) => x.id)).toEqual(expect.arrayContaining([a.id, b.id]));
      await store.actions.defer(a.id, null, 'endpoint_paused', T0 + 1);
      await store.actions.defer(b.id, T0 + 50_000, 'circuit_open', T0 + 1);
      expect(await store.actions.get('acme', a.id)).toMatchObject({
        status: 'pending',
        attempts: 0,
        nextAttemptAt: null,
        waiting: 'endpoint_paused',
        leaseUntil: null,
      });
      expect(await store.actions.claimDue(T0 + 10_000, 100, 60_000)).toHaveLength(0);
      expect(await store.actions.nextDueAt()).toBe(T0 + 50_000);

      expect(
        await store.actions.wakeWaiting('acme', 'wait', T0 + 20, { reasons: ['circuit_open'] }),
      ).toHaveLength(1);
      expect((await store.actions.get('acme', b.id))?.nextAttemptAt).toBe(T0 + 20);
      // Already due by then: not woken again (so a `limit` is not spent on it).
      expect(
        await store.actions.wakeWaiting('acme', 'wait', T0 + 30, { reasons: ['circuit_open'] }),
      ).toHaveLength(0);
      expect(await store.actions.wakeWaiting('acme', 'wait', T0 + 30)).toHaveLength(1);
      const again = await store.actions.claimDue(T0 + 30, 100, 60_000);
      expect(again.map((x) => x.id).sort()).toEqual([a.id, b.id].sort());
      expect(again.every((x) => x.attempts === 1)).toBe(true);
      // A deferral after a real attempt goes back to failed; success clears the waiting reason.
      await store.actions.fail(a.id, 1, 'boom', T0 + 40, T0 + 31);
      const [third] = await store.actions.claimDue(T0 + 40, 1, 60_000);
      await store.actions.defer(third!.id, T0 + 99, 'rate_limited', T0 + 41);
      expect(await store.actions.get('acme', a.id)).toMatchObject({
        status: 'failed',
        attempts: 1,
        waiting: 'rate_limited',
        lastError: 'boom',
      });
      await store.actions.succeed(b.id, 1, null, T0 + 42);
      expect((await store.actions.get('acme', b.id))?.waiting).toBeNull();
    });

    it('tells when work falls due next, leaving out skipped endpoints and, with `after`, what is due already', async () => {
      // Its own store: the other tests leave actions behind that would fall due first.
      const own = await factory.open();
      const store = own.store;
      await store.orgs.create({ slug: 'acme', name: 'Acme' }, T0);
      await store.orgs.create({ slug: 'other', name: 'Other' }, T0);
      const busy = (at: number) =>
        action('acme', { type: 'webhook', endpoint: 'busy' }, { nextAttemptAt: at });
      const backlog = [busy(T0 - 3), busy(T0 - 2), busy(T0 - 1)];
      const other = action('acme', { type: 'webhook', endpoint: 'other' }, { nextAttemptAt: T0 + 700 });
      const leased = action('acme', { type: 'task', kind: 'k' }, { nextAttemptAt: T0 - 10 });
      await store.actions.insertMany([...backlog, other, leased], T0 - 10);
      // An in-flight action: its lease expires at T0 + 900.
      expect(await store.actions.claim([leased.id], T0 - 10, 910)).toHaveLength(1);
      const skip = [{ org: 'acme', endpoint: 'busy' }];
      expect(await store.actions.nextDueAt()).toBe(T0 - 3);
      expect(await store.actions.nextDueAt({ skip })).toBe(T0 + 700);
      expect(await store.actions.nextDueAt({ after: T0 - 2 })).toBe(T0 - 1);
      expect(await store.actions.nextDueAt({ skip, after: T0 + 700 })).toBe(T0 + 900);
      expect(await store.actions.nextDueAt({ skip, after: T0 + 900 })).toBeNull();
      // Another org's endpoint of the same name is not skipped.
      const elsewhere = action('other', { type: 'webhook', endpoint: 'busy' }, { nextAttemptAt: T0 + 5 });
      await store.actions.insertMany([elsewhere], T0);
      expect(await store.actions.nextDueAt({ skip, after: T0 })).toBe(T0 + 5);
      expect((await store.actions.dueCandidates(T0, 10, { skip })).map((c) => c.id)).toEqual([]);
      expect((await store.actions.dueCandidates(T0 + 5, 10, { skip })).map((c) => c.id)).toEqual([
        elsewhere.id,
      ]);
      await own.cleanup();
    });

    it('reads the due work of given lanes only, a few of each, oldest due first overall', async () => {
      const own = await factory.open();
      const s = own.store;
      await s.orgs.create({ slug: 'acme', name: 'Acme' }, T0);
      await s.orgs.create({ slug: 'other', name: 'Other' }, T0);
      const hook = (org: string, ep: string, at: number) =>
        action(org, { type: 'webhook', endpoint: ep }, { nextAttemptAt: at });
      const a1 = hook('acme', 'a', T0 - 5);
      const a2 = hook('acme', 'a', T0 - 1);
      const a3 = hook('acme', 'a', T0);
      const later = hook('acme', 'a', T0 + 10);
      const b1 = hook('acme', 'b', T0 - 3);
      const elsewhere = hook('other', 'a', T0 - 9);
      const task = action('acme', { type: 'task', kind: 'k' }, { nextAttemptAt: T0 - 4 });
      await s.actions.insertMany([a1, a2, a3, later, b1, elsewhere, task], T0 - 10);
      const lanes = [
        { org: 'acme', endpoint: 'a' },
        { org: 'acme', endpoint: 'b' },
        { org: 'acme', endpoint: null },
      ];
      expect((await s.actions.dueInLanes(T0, lanes, 2)).map((c) => c.id)).toEqual([
        a1.id,
        task.id,
        b1.id,
        a2.id,
      ]);
      expect(await s.actions.dueInLanes(T0, [{ org: 'acme', endpoint: 'none' }], 5)).toEqual([]);
      expect(await s.actions.dueInLanes(T0, [{ org: 'other', endpoint: 'a' }], 5)).toEqual([
        { id: elsewhere.id, org: 'other', endpoint: 'a' },
      ]);
      // Only waiting actions: one in flight is not due work.
      await s.actions.claim([a1.id], T0, 60_000);
      expect((await s.actions.dueInLanes(T0, lanes.slice(0, 1), 5)).map((c) => c.id)).toEqual([a2.id, a3.id]);
      await own.cleanup();
    });

    it('a settled FIFO check waits for the outcome of the message ahead being committed', async () => {
      // The recheck after parking: the message ahead may be finishing at this moment, and its wake may have skipped
      // this parking (on PostgreSQL a plain read would still see it in flight, and nobody would wake this one).
      const [ahead, behind] = [1, 2].map(() => action('acme', { type: 'webhook', endpoint: 'settle-fifo' }));
      await store.actions.insertMany([ahead!, behind!], T0);
      await store.actions.setOrderingKey(ahead!.id, 'k');
      await store.actions.claim([ahead!.id], T0, 60_000);
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let succeeded!: () => void;
      const didSucceed = new Promise<void>((r) => (succeeded = r));
      const finishing = store.transaction(async (tx) => {
        await tx.actions.succeed(ahead!.id, 1, null, T0 + 1);
        succeeded();
        await held;
      });
      await didSucceed;
      let blocker: unknown = 'pending';
      const reading = store.actions
        .orderingBlocker('acme', 'settle-fifo', behind!.id, 'k', { settled: true })
        .then((b) => (blocker = b));
      await new Promise((r) => setTimeout(r, 100));
      expect(blocker).toBe('pending');
      release();
      await finishing;
      await reading;
      expect(blocker).toBeUndefined();
    });

    // On SQLite one connection serves every caller and nothing is locked by row: this race is PostgreSQL's.
    it.skipIf(factory.name !== 'postgres')(
      'a settled FIFO check leaves a waiting blocker unlocked, so the wake of the message ahead still finds it',
      async () => {
        // A message waits behind one that waits behind one in flight. While the last one's recheck reads its blocker,
        // the message in flight finishes and wakes the oldest waiter of the lane (FOR UPDATE SKIP LOCKED): a share
        // lock on that waiter made the wake pass it over and wake the last one instead, which found it still waiting;
        // the lane then stood still until the waiter's timer (5 s).
        const [ahead, middle, last] = [1, 2, 3].map(() =>
          action('acme', { type: 'webhook', endpoint: 'unlocked-fifo' }),
        );
        await store.actions.insertMany([ahead!, middle!, last!], T0);
        for (const a of [ahead!, middle!, last!]) await store.actions.setOrderingKey(a.id, 'k');
        await store.actions.claim([ahead!.id, middle!.id, last!.id], T0, 60_000);
        await store.actions.defer(middle!.id, T0 + 5000, 'ordering', T0);
        await store.actions.defer(last!.id, T0 + 10_000, 'ordering', T0);
        await store.transaction(async (tx) => {
          const blocker = await tx.actions.orderingBlocker('acme', 'unlocked-fifo', last!.id, 'k', {
            settled: true,
          });
          expect(blocker).toMatchObject({ id: middle!.id, status: 'pending' });
          // Still inside the recheck's transaction: the message ahead finishes and wakes its lane.
          const woken = await store.actions.wakeWaiting('acme', 'unlocked-fifo', T0 + 1, {
            reasons: ['ordering'],
            orderingKey: 'k',
            limit: 1,
          });
          expect(woken).toHaveLength(1);
        });
        expect((await store.actions.get('acme', middle!.id))?.nextAttemptAt).toBe(T0 + 1);
        expect((await store.actions.get('acme', last!.id))?.nextAttemptAt).toBe(T0 + 10_000);
      },
    );

    it('wakes the next message of a FIFO lane ahead of work that became due after it was created', async () => {
      // A burst: the lane's next message waits (ordering) while later messages, due since they were routed, are
      // still to be claimed once to learn their lanes. Woken as due "now", the next message queued behind all of them.
      const next = action('acme', { type: 'webhook', endpoint: 'burst-fifo' }, { nextAttemptAt: T0 });
      await store.actions.insertMany([next], T0);
      await store.actions.setOrderingKey(next.id, 'k');
      await store.actions.claim([next.id], T0, 60_000);
      await store.actions.defer(next.id, T0 + 5000, 'ordering', T0);
      const later = [1, 2, 3].map(() =>
        action('acme', { type: 'webhook', endpoint: 'burst-fifo' }, { nextAttemptAt: T0 + 10 }),
      );
      await store.actions.insertMany(later, T0 + 10);
      const wake = { reasons: ['ordering'], orderingKey: 'k', limit: 1, first: true };
      expect(await store.actions.wakeWaiting('acme', 'burst-fifo', T0 + 100, wake)).toHaveLength(1);
      expect((await store.actions.get('acme', next.id))?.nextAttemptAt).toBe(T0 - 1);
      const due = (await store.actions.dueCandidates(T0 + 100, 1000)).map((c) => c.id);
      expect(due.indexOf(next.id)).toBeGreaterThanOrEqual(0);
      for (const l of later) expect(due.indexOf(next.id)).toBeLessThan(due.indexOf(l.id));
    });

    it('wakes the next message of a FIFO lane to the front even when its own short wait has already run out', async () => {
      // A burst: the next message parked for a second (the message ahead had no lane yet) and that second passed, so
      // it is due — but behind the burst's messages due since they were routed, still to be claimed once each. The
      // wake must move it to the front, not leave it there and spend its limit on a later message.
      const [next, after] = [1, 2].map(() =>
        action('acme', { type: 'webhook', endpoint: 'late-fifo' }, { nextAttemptAt: T0 }),
      );
      await store.actions.insertMany([next!, after!], T0);
      for (const a of [next!, after!]) {
        await store.actions.setOrderingKey(a.id, 'k');
        await store.actions.claim([a.id], T0, 60_000);
      }
      await store.actions.defer(next!.id, T0 + 1000, 'ordering', T0);
      await store.actions.defer(after!.id, T0 + 5000, 'ordering', T0);
      const backlog = [1, 2, 3].map(() =>
        action('acme', { type: 'webhook', endpoint: 'late-fifo' }, { nextAttemptAt: T0 + 10 }),
      );
      await store.actions.insertMany(backlog, T0 + 10);
      const wake = { reasons: ['ordering'], orderingKey: 'k', limit: 1, first: true };
      expect(await store.actions.wakeWaiting('acme', 'late-fifo', T0 + 2000, wake)).toHaveLength(1);
      expect((await store.actions.get('acme', next!.id))?.nextAttemptAt).toBe(T0 - 1);
      expect((await store.actions.get('acme', after!.id))?.nextAttemptAt).toBe(T0 + 5000);
      const due = (await store.actions.dueCandidates(T0 + 2000, 1000)).map((c) => c.id);
      for (const b of backlog) expect(due.indexOf(next!.id)).toBeLessThan(due.indexOf(b.id));
      // Already at the front, it is still the lane's next message: nothing behind it is woken.
      expect(await store.actions.wakeWaiting('acme', 'late-fifo', T0 + 2000, wake)).toHaveLength(0);
      expect((await store.actions.get('acme', after!.id))?.nextAttemptAt).toBe(T0 + 5000);
    });

    it('finds what a FIFO message waits for: the newest unfinished older action in its lane or of unknown lane', async () => {
      const [x1, x2, y1, x3] = [1, 2, 3, 4].map(() => action('acme', { type: 'webhook', endpoint: 'fifo' }));
      await store.actions.insertMany([x1!, x2!, y1!, x3!], T0);
      await store.actions.setOrderingKey(x1!.id, 'x');
      await store.actions.setOrderingKey(x2!.id, 'x');
      expect(await store.actions.orderingBlocker('acme', 'fifo', x1!.id, 'x')).toBeUndefined();
      // y1's lane is not known yet: it may be x, so x3 waits for it.
      expect((await store.actions.orderingBlocker('acme', 'fifo', x3!.id, 'x'))?.id).toBe(y1!.id);
      await store.actions.setOrderingKey(y1!.id, 'y');
      expect(await store.actions.orderingBlocker('acme', 'fifo', x3!.id, 'x')).toMatchObject({
        id: x2!.id,
        status: 'pending',
        orderingKey: 'x',
      });
      expect(await store.actions.orderingBlocker('acme', 'fifo', y1!.id, 'y')).toBeUndefined();
      await store.actions.claim([x1!.id, x2!.id], T0, 60_000);
      await store.actions.succeed(x2!.id, 1, null, T0);
      await store.actions.fail(x1!.id, 1, 'gave up', null, T0);
      expect(await store.actions.orderingBlocker('acme', 'fifo', x3!.id, 'x')).toBeUndefined();
      // Waking a lane wakes only that lane's oldest waiter.
      const claimed = await store.actions.claimDue(T0, 100, 60_000);
      for (const c of claimed.filter((c) => c.endpoint === 'fifo'))
        await store.actions.defer(c.id as ActionId, null, 'ordering', T0);
      expect(
        await store.actions.wakeWaiting('acme', 'fifo', T0 + 1, {
          reasons: ['ordering'],
          orderingKey: 'y',
          limit: 1,
        }),
      ).toHaveLength(1);
      expect((await store.actions.get('acme', y1!.id))?.nextAttemptAt).toBe(T0 + 1);
      expect((await store.actions.get('acme', x3!.id))?.nextAttemptAt).toBeNull();
    });

    it('samples recent attempts of an endpoint for its health', async () => {
      const a = action('acme', { type: 'webhook', endpoint: 'healthy' });
      await store.actions.insertMany([a], T0);
      for (const [i, outcome] of ['failed', 'succeeded'].entries()) {
        await store.attempts.insert({
          id: newId('attempt'),
          actionId: a.id,
          org: 'acme',
          number: i + 1,
          startedAt: T0 + i * 1000,
          latencyMs: 10 + i,
          outcome,
          statusCode: outcome === 'failed' ? 500 : 200,
          request: null,
          responseHeaders: null,
          responseBody: null,
          error: null,
          endpoint: 'healthy',
        });
      }
      // Another endpoint's attempt in the same window is not sampled.
      const other = action('acme', { type: 'webhook', endpoint: 'sick' });
      await store.actions.insertMany([other], T0);
      const otherAttempt = {
        id: newId('attempt'),
        actionId: other.id,
        org: 'acme',
        number: 1,
        startedAt: T0 + 500,
        latencyMs: 99,
        outcome: 'failed',
        statusCode: 503,
        request: null,
        responseHeaders: null,
        responseBody: null,
        error: 'HTTP 503',
        endpoint: 'sick',
      };
      await store.attempts.insert(otherAttempt);
      expect(await store.attempts.listByAction('acme', other.id)).toEqual([otherAttempt]);
      const samples = await store.attempts.recentForEndpoint('acme', 'healthy', T0, 10);
      expect(samples).toEqual([
        { startedAt: T0 + 1000, latencyMs: 11, outcome: 'succeeded', statusCode: 200 },
        { startedAt: T0, latencyMs: 10, outcome: 'failed', statusCode: 500 },
      ]);
      expect(await store.attempts.recentForEndpoint('acme', 'healthy', T0 + 1, 10)).toHaveLength(1);
      expect(await store.attempts.recentForEndpoint('other', 'healthy', T0, 10)).toHaveLength(0);
    });
  });
}
