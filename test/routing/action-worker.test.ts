// The action worker's contract with targets beyond success and failure: a deferral undoes the claim (no attempt
// used, nothing recorded), its recheck runs after the wait is stored, and an attempt's effects (events, extra
// writes) commit with the attempt and are announced after it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBus } from '../../src/bus/adapters/memory/index.js';
import { ManualClock } from '../../src/core/clock.js';
import { newId, type EventId, type RuleId } from '../../src/core/ids.js';
import { newSystemEvent } from '../../src/events/publisher.js';
import { ActionWorker } from '../../src/routing/action-worker.js';
import { TransformCache } from '../../src/routing/transform-cache.js';
import type { Store } from '../../src/store/port.js';
import type { NewAction } from '../../src/store/records.js';
import {
  TargetDeferral,
  TargetFailure,
  type AttemptEffects,
  type TargetContext,
  type TargetHandler,
} from '../../src/targets/target-handler.js';
import { initSandbox } from '../../src/transform/index.js';
import { eventually } from '../helpers/app.js';
import { sqliteFactory } from '../helpers/stores.js';

const T0 = Date.UTC(2026, 0, 1);
const silent = { warn() {}, error() {} };

/** A target whose behaviour each test sets: the worker is the unit under test. */
class ScriptedTarget implements TargetHandler {
  next: (ctx: TargetContext) => Promise<never | ({ result: null } & AttemptEffects)> = async () => ({
    result: null,
  });
  run(ctx: TargetContext) {
    return this.next(ctx);
  }
}

describe('ActionWorker', () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  const clock = new ManualClock(T0);
  const bus = new MemoryBus();
  const target = new ScriptedTarget();
  let worker: ActionWorker;
  const announced: string[] = [];

  beforeAll(async () => {
    await initSandbox();
    ({ store, cleanup } = await sqliteFactory.open());
    await store.orgs.create({ slug: 'acme', name: 'Acme' }, T0);
    bus.subscribe<{ id: string }>('events.>', (m) => void announced.push(m.data.id));
    worker = new ActionWorker(
      store,
      bus,
      { test: target },
      new TransformCache({ cpuMs: 50, memoryBytes: 32 << 20 }),
      clock,
      { concurrency: 4, leaseMs: 60_000 },
      silent,
    );
  });
  afterAll(async () => cleanup?.());

  async function actionOnNewEvent(): Promise<NewAction> {
    const event = newSystemEvent({
      org: 'acme',
      source: 'app:test',
      type: 't',
      data: { n: 1 },
      now: clock.now(),
    });
    await store.events.insert(event);
    const action: NewAction = {
      id: newId('action', clock.now()),
      org: 'acme',
      eventId: event.id as EventId,
      ruleId: newId('rule') as RuleId,
      ruleName: 'r',
      targetIndex: 0,
      targetType: 'test',
      target: { type: 'test', endpoint: 'ep' },
      routeSeq: 1,
      maxAttempts: 3,
      idempotencyKey: `k-${event.id}`,
      nextAttemptAt: clock.now(),
    };
    await store.actions.insertMany([action], clock.now());
    return action;
  }

  it('a deferral gives the attempt back, records nothing, and runs its recheck after the wait is stored', async () => {
    const action = await actionOnNewEvent();
    let seenByRecheck: unknown;
    target.next = async () => {
      throw new TargetDeferral('circuit_open', T0 + 60_000, async () => {
        seenByRecheck = await store.actions.get('acme', action.id);
      });
    };
    await worker.claimAndStart();
    await worker.drain();
    const after = await store.actions.get('acme', action.id);
    expect(after).toMatchObject({
      status: 'pending',
      attempts: 0,
      nextAttemptAt: T0 + 60_000,
      waiting: 'circuit_open',
      leaseUntil: null,
    });
    expect(seenByRecheck).toMatchObject({ status: 'pending', waiting: 'circuit_open' });
    expect(await store.attempts.listByAction('acme', action.id)).toHaveLength(0);
    // Nothing is due before the wait ends.
    expect(await store.actions.claimDue(T0 + 59_999, 10, 1000)).toHaveLength(0);
  });

  it('commits a failed attempt’s events and extra writes with it, then announces the events', async () => {
    clock.set(T0 + 60_000);
    // First an action parked until something wakes it…
    const other = await actionOnNewEvent();
    target.next = async () => {
      throw new TargetDeferral('ordering', null);
    };
    await worker.claimAndStart();
    await worker.drain();
    expect((await store.actions.get('acme', other.id))?.nextAttemptAt).toBeNull();
    // …then one whose failed attempt wakes it in the same transaction.
    const action = await actionOnNewEvent();
    const dead = newSystemEvent({
      org: 'acme',
      source: 'system:eventhook',
      type: 'delivery.dead',
      data: { actionId: action.id },
      now: clock.now(),
    });
    target.next = async () => {
      throw new TargetFailure('gone', {
        permanent: true,
        outcome: 'gone',
        attempt: {
          statusCode: 410,
          request: { url: 'x' },
          responseHeaders: {},
          responseBody: 'bye',
          latencyMs: 7,
        },
        events: [dead],
        commit: (tx) =>
          tx.actions.wakeWaiting('acme', 'ep', clock.now(), { reasons: ['ordering'] }).then(() => {}),
      });
    };
    await worker.claimAndStart();
    await worker.drain();
    expect(await store.actions.get('acme', action.id)).toMatchObject({
      status: 'dead',
      attempts: 1,
      lastError: 'gone',
    });
    const [attempt] = await store.attempts.listByAction('acme', action.id);
    expect(attempt).toMatchObject({
      outcome: 'gone',
      statusCode: 410,
      responseBody: 'bye',
      latencyMs: 7,
      error: 'gone',
    });
    expect((await store.events.get('acme', dead.id))?.type).toBe('delivery.dead');
    await new Promise((r) => setTimeout(r, 10));
    expect(announced).toContain(dead.id);
    // The deferral was stored (waiting: ordering), the commit woke it: due now, not parked.
    const woken = await store.actions.get('acme', other.id);
    expect(woken?.waiting).toBe('ordering');
    expect(woken?.nextAttemptAt).toBe(clock.now());
  });
  it('an attempt that outlives its lease is recorded, but a later claim’s outcome stands and its effects are not applied', async () => {
    clock.set(T0 + 120_000);
    // Settle what earlier tests left due, so this test's action is the only one claimed.
    target.next = async () => ({ result: null });
    await worker.claimAndStart();
    await worker.drain();
    const action = await actionOnNewEvent();
    let releaseFirst!: () => void;
    const firstMayEnd = new Promise<void>((r) => (releaseFirst = r));
    const late = newSystemEvent({
      org: 'acme',
      source: 'app:test',
      type: 'late.effect',
      data: {},
      now: clock.now(),
    });
    let runs = 0;
    target.next = async () => {
      runs++;
      if (runs === 1) {
        // The first attempt hangs past its lease, then fails with an effect (an event) that must not land.
        await firstMayEnd;
        throw new TargetFailure('timed out', { events: [late] });
      }
      return { result: { second: true } } as never;
    };
    await worker.claimAndStart();
    clock.advance(60_001);
    await worker.claimAndStart();
    const second = await eventually(
      async () => {
        const a = await store.actions.get('acme', action.id);
        return a?.status === 'succeeded' ? a : undefined;
      },
      5_000,
      'the second attempt to succeed',
    );
    expect(runs).toBe(2);
    expect(second).toMatchObject({ status: 'succeeded', attempts: 2 });
    releaseFirst();
    await worker.drain();
    expect(await store.actions.get('acme', action.id)).toMatchObject({
      status: 'succeeded',
      attempts: 2,
      result: { second: true },
      nextAttemptAt: null,
    });
    const attempts = await store.attempts.listByAction('acme', action.id);
    expect(attempts.map((a) => [a.number, a.outcome]).sort()).toEqual([
      [1, 'failed'],
      [2, 'succeeded'],
    ]);
    expect(await store.events.get('acme', late.id)).toBeUndefined();
  });
  it('keeps the lease of a long attempt alive, so no other pass claims the action while it is being sent', async () => {
    clock.set(T0 + 500_000);
    target.next = async () => ({ result: null });
    await worker.claimAndStart();
    await worker.drain();
    const action = await actionOnNewEvent();
    // A short lease: the heartbeat renews it every 30 ms of real time, from the (manual) clock's now.
    const quick = new ActionWorker(
      store,
      bus,
      { test: target },
      new TransformCache({ cpuMs: 50, memoryBytes: 32 << 20 }),
      clock,
      { concurrency: 4, leaseMs: 90 },
      silent,
    );
    let finish!: () => void;
    const slow = new Promise<void>((r) => (finish = r));
    target.next = async () => {
      await slow;
      return { result: null };
    };
    await quick.claimAndStart();
    expect((await store.actions.get('acme', action.id))?.leaseUntil).toBe(clock.now() + 90);
    clock.advance(60);
    await eventually(
      async () => (await store.actions.get('acme', action.id))?.leaseUntil === clock.now() + 90 || undefined,
      5_000,
      'the lease renewed',
    );
    // Renewed from the new now: past the first lease's end, the action is still not claimable.
    clock.advance(60);
    expect(await store.actions.claimDue(clock.now(), 10, 90)).toEqual([]);
    finish();
    await quick.drain();
    expect(await store.actions.get('acme', action.id)).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  describe('handing over', () => {
    /** a runs first; b waits (ordering) until a's commit wakes it and hands it over. */
    async function pair() {
      clock.set(T0 + 600_000);
      target.next = async () => ({ result: null });
      await worker.claimAndStart();
      await worker.drain();
      const a = await actionOnNewEvent();
      const b = await actionOnNewEvent();
      await store.actions.claim([b.id], clock.now(), 60_000);
      await store.actions.defer(b.id, null, 'ordering', clock.now());
      const ran: string[] = [];
      target.next = async (ctx) => {
        ran.push(ctx.action.id);
        if (ctx.action.id !== a.id) return { result: null };
        return {
          result: null,
          commit: (tx) =>
            tx.actions.wakeWaiting('acme', 'ep', clock.now(), {
              reasons: ['ordering'],
              limit: 1,
              first: true,
            }),
        };
      };
      return { a, b, ran };
    }

    it('starts what an attempt’s commit hands over, claimed in the same transaction, without another claim pass', async () => {
      const { a, b, ran } = await pair();
      // One pass: b is not due yet, so only a is claimed. The worker has no loop here (nothing kicks it again).
      await worker.claimAndStart();
      for (let i = 0; i < 200 && (await store.actions.get('acme', b.id))?.status !== 'succeeded'; i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(ran).toEqual([a.id, b.id]);
      expect(await store.actions.get('acme', b.id)).toMatchObject({ status: 'succeeded', attempts: 1 });
      await worker.drain();
    });

    it('hands nothing over while draining: the woken action is left due for a claim pass', async () => {
      const { a, b, ran } = await pair();
      await worker.claimAndStart();
      await worker.drain();
      expect(ran).toEqual([a.id]);
      const woken = await store.actions.get('acme', b.id);
      expect(woken).toMatchObject({ status: 'pending', attempts: 0 });
      expect(woken!.nextAttemptAt).toBeLessThanOrEqual(clock.now());
    });
  });
});
