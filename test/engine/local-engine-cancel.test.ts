// Cancelling the local engine's executions, on both stores: a pending or running one ends cancelled with its
// lifecycle event; the worker that ran it is refused (EH_ENGINE_CANCELLED) and changes nothing; a finished one cannot
// be cancelled, a cancelled one is answered as it is; the key of a cancelled one starts a new execution; a cancelled
// workflow's pending promises are rejected, waking their awaits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemoryBus } from '../../src/bus/adapters/memory/index.js';
import { ManualClock } from '../../src/core/clock.js';
import { EventhookError } from '../../src/core/errors.js';
import type { LocalEngine } from '../../src/engine/adapters/local/local-engine.js';
import type { Store } from '../../src/store/port.js';
import type { PromiseRecord } from '../../src/store/records.js';
import { claimNow, openLocalEngine } from '../helpers/local-engine.js';
import { STORE_FACTORIES } from '../helpers/stores.js';

const ORG = 'acme';

/** What a call was refused with: its code and message, or 'ok'. */
const refusal = (call: Promise<unknown>) =>
  call.then(
    () => 'ok',
    (err: unknown) => (err instanceof EventhookError ? `${err.code}: ${err.message}` : String(err)),
  );

for (const factory of STORE_FACTORIES) {
  const available = await factory.available();
  describe.skipIf(!available)(`local engine, cancellation — ${factory.name}`, () => {
    let store: Store;
    let engine: LocalEngine;
    let bus: MemoryBus;
    let close: (() => Promise<void>) | undefined;
    const clock = new ManualClock();

    beforeAll(async () => {
      ({ store, engine, bus, close } = await openLocalEngine(factory, clock));
    });
    afterAll(async () => close?.());

    async function eventsOf(id: string): Promise<{ type: string; source: string; data: any }[]> {
      const pending = await store.events.listPending(1000);
      return pending
        .filter((e) => e.subject === id)
        .map((e) => ({ type: e.type, source: e.source, data: e.data }));
    }
    const claim = (kind: 'workflow' | 'task', kinds: string[], workerId?: string) =>
      claimNow(engine, ORG, kind, kinds, workerId);

    it('cancels a pending task: cancelled, completedAt set, the reason as its error, task.cancelled stored', async () => {
      const { id } = await engine.createTask({
        org: ORG,
        kind: 'c-pending',
        input: {},
        idempotencyKey: 'cp-1',
      });
      clock.advance(5);
      const cancelled = await engine.cancel('task', ORG, id, 'order withdrawn');
      expect(cancelled).toMatchObject({
        id,
        status: 'cancelled',
        error: 'order withdrawn',
        completedAt: clock.now(),
        workerId: null,
        leaseUntil: null,
      });
      expect(await engine.get('task', ORG, id)).toEqual(cancelled);
      const events = await eventsOf(id);
      expect(events.map((e) => e.type)).toEqual(['task.created', 'task.cancelled']);
      expect(events[1]).toMatchObject({
        source: 'system:tasks',
        data: { id, kind: 'c-pending', status: 'CANCELLED', error: 'order withdrawn', executionCount: 0 },
      });
      // Never handed out.
      expect(await claim('task', ['c-pending'])).toBeUndefined();
    });

    it('cancels a running workflow: its worker’s heartbeat, complete and fail are refused and change nothing', async () => {
      const { id } = await engine.startWorkflow({
        org: ORG,
        kind: 'c-running',
        input: {},
        idempotencyKey: 'cr-1',
      });
      expect(await claim('workflow', ['c-running'])).toMatchObject({ id, status: 'running', workerId: 'w1' });
      const cancelled = await engine.cancel('workflow', ORG, id, undefined);
      expect(cancelled).toMatchObject({
        status: 'cancelled',
        error: 'no reason given',
        workerId: null,
        leaseUntil: null,
      });

      const told = `EH_ENGINE_CANCELLED: Workflow ${id} was cancelled: no reason given`;
      expect(
        await refusal(engine.heartbeat('workflow', ORG, id, { workerId: 'w1', claimer: 'key_w' }, 1000)),
      ).toBe(told);
      expect(
        await refusal(
          engine.complete('workflow', ORG, id, { workerId: 'w1', claimer: 'key_w' }, { done: true }),
        ),
      ).toBe(told);
      expect(
        await refusal(engine.fail('workflow', ORG, id, { workerId: 'w1', claimer: 'key_w' }, 'gave up')),
      ).toBe(told);
      expect(await engine.get('workflow', ORG, id)).toEqual(cancelled);
      // Its old lease is gone: a sweep long after it finds nothing to send back or fail.
      clock.advance(10_000);
      expect(await engine.releaseExpiredLeases()).toBe(0);
      expect((await eventsOf(id)).map((e) => e.type)).toEqual([
        'workflow.created',
        'workflow.started',
        'workflow.cancelled',
      ]);
    });

    it('refuses to cancel a completed or failed execution, naming its status; a cancelled one is answered as it is', async () => {
      const done = await engine.createTask({ org: ORG, kind: 'c-done', input: {}, idempotencyKey: 'cd-1' });
      await claim('task', ['c-done']);
      await engine.complete('task', ORG, done.id, { workerId: 'w1', claimer: 'key_w' }, 1);
      expect(await refusal(engine.cancel('task', ORG, done.id, 'too late'))).toBe(
        `EH_ENGINE_FINISHED: Task ${done.id} is already completed: only a pending or running one can be cancelled`,
      );
      expect(await engine.get('task', ORG, done.id)).toMatchObject({
        status: 'completed',
        output: 1,
        error: null,
      });

      const failed = await engine.startWorkflow({
        org: ORG,
        kind: 'c-failed',
        input: {},
        idempotencyKey: 'cf-1',
      });
      await claim('workflow', ['c-failed']);
      await engine.fail('workflow', ORG, failed.id, { workerId: 'w1', claimer: 'key_w' }, 'boom');
      expect(await refusal(engine.cancel('workflow', ORG, failed.id, undefined))).toBe(
        `EH_ENGINE_FINISHED: Workflow ${failed.id} is already failed: only a pending or running one can be cancelled`,
      );
      expect(await engine.get('workflow', ORG, failed.id)).toMatchObject({ status: 'failed', error: 'boom' });

      const twice = await engine.createTask({ org: ORG, kind: 'c-twice', input: {}, idempotencyKey: 'ct-1' });
      const first = await engine.cancel('task', ORG, twice.id, 'first');
      clock.advance(10);
      expect(await engine.cancel('task', ORG, twice.id, 'second')).toEqual(first);
      expect((await eventsOf(twice.id)).filter((e) => e.type === 'task.cancelled')).toHaveLength(1);

      expect(await refusal(engine.cancel('task', ORG, 'task_unknown', undefined))).toBe(
        'EH_ENGINE_NOT_FOUND: Task task_unknown was not found',
      );
      expect(await refusal(engine.cancel('workflow', 'other-org', failed.id, undefined))).toBe(
        `EH_ENGINE_NOT_FOUND: Workflow ${failed.id} was not found`,
      );
    });

    it('frees the key of a cancelled execution, as a failed one’s: the same key starts a new one', async () => {
      const req = { org: ORG, kind: 'c-again', input: { n: 1 }, idempotencyKey: 'order-7' };
      const first = await engine.startWorkflow(req);
      // While it lives, the key names it.
      expect(await engine.startWorkflow(req)).toEqual({ id: first.id, created: false });
      await engine.cancel('workflow', ORG, first.id, 'customer asked');
      const second = await engine.startWorkflow(req);
      expect(second.created).toBe(true);
      expect(second.id).not.toBe(first.id);
      expect(await engine.get('workflow', ORG, second.id)).toMatchObject({
        status: 'pending',
        idempotencyKey: 'order-7',
      });
      // The cancelled one keeps everything but its key.
      expect(await engine.get('workflow', ORG, first.id)).toMatchObject({
        status: 'cancelled',
        error: 'customer asked',
        idempotencyKey: null,
      });
      expect(await engine.startWorkflow(req)).toEqual({ id: second.id, created: false });
    });

    it('rejects a cancelled workflow’s pending promises with its reason, waking their awaits; settled ones stay', async () => {
      const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      const cause = {
        causeEventId: 'evt_order',
        correlationId: 'order-9',
        traceparent: TRACEPARENT,
        causeHopCount: 2,
      };
      const { id } = await engine.startWorkflow({
        org: ORG,
        kind: 'c-promises',
        input: {},
        idempotencyKey: 'cpr-1',
        ...cause,
      });
      const other = await engine.startWorkflow({
        org: ORG,
        kind: 'c-promises',
        input: {},
        idempotencyKey: 'cpr-2',
      });
      await claim('workflow', ['c-promises']);
      const make = async (key: string, workflowId?: string) =>
        (await engine.createPromise(ORG, { key, ...(workflowId === undefined ? {} : { workflowId }) }))
          .record;
      const [first, second, paid] = [
        await make('cpr:a', id),
        await make('cpr:b', id),
        await make('cpr:paid', id),
      ];
      const othersPromise = await make('cpr:other', other.id);
      const nobodys = await make('cpr:nobody');
      expect(
        await engine.settlePromise({
          org: ORG,
          promise: 'key:cpr:paid',
          mode: 'resolve',
          value: { paid: 1 },
        }),
      ).toEqual({ promiseId: paid.id, settled: true });
      const paidBefore = await engine.getPromise(ORG, paid.id);

      const woken: string[] = [];
      const sub = bus.subscribe<{ topic: string }>('engine.wake', (m) => void woken.push(m.data.topic));
      // A long-poll started before the cancellation: its deadline (the manual clock's) never comes, so only the
      // cancellation can end it.
      const waiting = engine.awaitPromise(ORG, 'key:cpr:a', 60_000, AbortSignal.timeout(10_000));
      clock.advance(5);
      const cancelled = await engine.cancel('workflow', ORG, id, 'order withdrawn');
      const error = `Workflow ${id} was cancelled: order withdrawn`;
      const rejected = (p: PromiseRecord) => ({ ...p, status: 'rejected', error, settledAt: clock.now() });
      expect(await waiting).toEqual(rejected(first));
      sub.unsubscribe();
      expect(woken.filter((t) => t.startsWith('promise.')).sort()).toEqual(
        [`promise.${ORG}.${first.id}`, `promise.${ORG}.${second.id}`].sort(),
      );

      expect(await engine.getPromise(ORG, second.id)).toEqual(rejected(second));
      expect(await engine.getPromise(ORG, paid.id)).toEqual(paidBefore);
      expect((await engine.getPromise(ORG, othersPromise.id)).status).toBe('pending');
      expect((await engine.getPromise(ORG, nobodys.id)).status).toBe('pending');

      // Each rejection stores promise.rejected, in the workflow's correlation and trace, as workflow.cancelled.
      const pending = await store.events.listPending(1000);
      const [cancelEvent] = pending.filter((e) => e.subject === id && e.type === 'workflow.cancelled');
      expect(cancelEvent).toMatchObject({ correlationId: 'order-9', traceparent: TRACEPARENT, hopCount: 3 });
      expect(cancelled).toMatchObject({ status: 'cancelled', error: 'order withdrawn' });
      for (const p of [first, second]) {
        const events = pending.filter((e) => e.subject === p.id);
        expect(events.map((e) => e.type)).toEqual(['promise.created', 'promise.rejected']);
        expect(events[1]).toMatchObject({
          source: 'system:promises',
          data: { id: p.id, status: 'REJECTED', key: p.key, workflowId: id, error },
          correlationId: 'order-9',
          traceparent: TRACEPARENT,
          hopCount: 3,
        });
      }
      expect((await eventsOf(paid.id)).map((e) => e.type)).toEqual(['promise.created', 'promise.resolved']);
      expect(pending.filter((e) => e.type === 'promise.rejected')).toHaveLength(2);

      // Settled: a promise target's later resolve changes nothing, as for any settled promise; so does making it
      // again (a resumed workflow would), and cancelling again rejects nothing more.
      expect(
        await engine.settlePromise({ org: ORG, promise: 'key:cpr:a', mode: 'resolve', value: 'late' }),
      ).toEqual({ promiseId: first.id, settled: false });
      expect(await engine.createPromise(ORG, { key: 'cpr:b', workflowId: id })).toEqual({
        record: rejected(second),
        created: false,
      });
      expect(await engine.cancel('workflow', ORG, id, 'again')).toEqual(cancelled);
      expect(await engine.getPromise(ORG, first.id)).toEqual(rejected(first));
      expect(
        (await store.events.listPending(1000)).filter((e) => e.type === 'promise.rejected'),
      ).toHaveLength(2);
    });

    it('a cancelled task rejects no promise', async () => {
      const owner = await engine.startWorkflow({
        org: ORG,
        kind: 'c-task-owner',
        input: {},
        idempotencyKey: 'ctp-owner',
      });
      const { id } = await engine.createTask({
        org: ORG,
        kind: 'c-task-promise',
        input: {},
        idempotencyKey: 'ctp-1',
      });
      // Promises belong to workflows: none can be made for a task, and a task's cancellation leaves them be.
      expect(await refusal(engine.createPromise(ORG, { key: 'ctp:task', workflowId: id }))).toBe(
        `EH_ENGINE_NOT_FOUND: Workflow ${id} was not found`,
      );
      const p = (await engine.createPromise(ORG, { key: 'ctp:a', workflowId: owner.id })).record;
      await engine.cancel('task', ORG, id, 'no');
      expect(await engine.getPromise(ORG, p.id)).toEqual(p);
    });

    it('a completion racing with the cancellation: whichever commits first wins, the other is refused', async () => {
      for (let round = 0; round < 5; round++) {
        const { id } = await engine.createTask({
          org: ORG,
          kind: 'c-race',
          input: {},
          idempotencyKey: `race-${round}`,
        });
        await claim('task', ['c-race']);
        const [cancel, complete] = await Promise.all([
          refusal(engine.cancel('task', ORG, id, 'race')),
          refusal(engine.complete('task', ORG, id, { workerId: 'w1', claimer: 'key_w' }, 'out')),
        ]);
        const final = await engine.get('task', ORG, id);
        if (final.status === 'cancelled') {
          expect(cancel).toBe('ok');
          expect(complete).toBe(`EH_ENGINE_CANCELLED: Task ${id} was cancelled: race`);
          expect(final.output).toBeNull();
        } else {
          expect(final.status).toBe('completed');
          expect(complete).toBe('ok');
          expect(cancel).toMatch(/^EH_ENGINE_FINISHED: .* is already completed/);
        }
        const ends = (await eventsOf(id))
          .map((e) => e.type)
          .filter((t) => t !== 'task.created' && t !== 'task.started');
        expect(ends).toEqual([final.status === 'cancelled' ? 'task.cancelled' : 'task.completed']);
      }
    });
  });
}
