// An ended workflow's pending promises, on both stores: a completion, a worker's final fail and the last expired
// lease reject them in the same transaction, each with its promise.rejected event in the workflow's correlation and
// trace, waking their awaits; a lease that sends the workflow back to its queue, and any task's end, leave them be.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemoryBus } from '../../src/bus/adapters/memory/index.js';
import { ManualClock } from '../../src/core/clock.js';
import type { LocalEngine } from '../../src/engine/adapters/local/local-engine.js';
import type { Store } from '../../src/store/port.js';
import type { PromiseRecord } from '../../src/store/records.js';
import { claimNow, openLocalEngine } from '../helpers/local-engine.js';
import { STORE_FACTORIES } from '../helpers/stores.js';

const ORG = 'acme';
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

for (const factory of STORE_FACTORIES) {
  const available = await factory.available();
  describe.skipIf(!available)(`local engine, an ended workflow's promises — ${factory.name}`, () => {
    let store: Store;
    let engine: LocalEngine;
    let bus: MemoryBus;
    let close: (() => Promise<void>) | undefined;
    const clock = new ManualClock();

    beforeAll(async () => {
      ({ store, engine, bus, close } = await openLocalEngine(factory, clock));
    });
    afterAll(async () => close?.());

    const claim = (kind: 'workflow' | 'task', kinds: string[], workerId?: string) =>
      claimNow(engine, ORG, kind, kinds, workerId);

    /** A running workflow of `kind` (its cause correlated and traced) with two pending promises and a resolved one. */
    async function runningWithPromises(kind: string) {
      const { id } = await engine.startWorkflow({
        org: ORG,
        kind,
        input: {},
        idempotencyKey: `${kind}-1`,
        causeEventId: 'evt_cause',
        correlationId: `${kind}-corr`,
        traceparent: TRACEPARENT,
        causeHopCount: 1,
      });
      expect(await claim('workflow', [kind])).toMatchObject({ id, status: 'running' });
      const make = async (key: string) => (await engine.createPromise(ORG, { key, workflowId: id })).record;
      const [a, b, paid] = [await make(`${kind}:a`), await make(`${kind}:b`), await make(`${kind}:paid`)];
      await engine.settlePromise({ org: ORG, promise: `key:${kind}:paid`, mode: 'resolve', value: 1 });
      return { id, pending: [a, b], paid: await engine.getPromise(ORG, paid.id) };
    }

    /**
     * Checks `pending` were rejected at the clock's time with `error`, each with its promise.rejected event in the
     * workflow's correlation and trace (hop 2, as the workflow's own events), and `paid` left as it was.
     */
    async function expectRejected(
      workflowId: string,
      pending: PromiseRecord[],
      paid: PromiseRecord,
      error: string,
    ): Promise<void> {
      const events = await store.events.listPending(1000);
      for (const p of pending) {
        expect(await engine.getPromise(ORG, p.id)).toEqual({
          ...p,
          status: 'rejected',
          error,
          settledAt: clock.now(),
        });
        const mine = events.filter((e) => e.subject === p.id);
        expect(mine.map((e) => e.type)).toEqual(['promise.created', 'promise.rejected']);
        expect(mine[1]).toMatchObject({
          source: 'system:promises',
          data: { id: p.id, status: 'REJECTED', key: p.key, workflowId, error },
          correlationId: mine[0]!.correlationId,
          traceparent: TRACEPARENT,
          hopCount: 2,
        });
      }
      expect(await engine.getPromise(ORG, paid.id)).toEqual(paid);
      expect(events.filter((e) => e.subject === paid.id).map((e) => e.type)).toEqual([
        'promise.created',
        'promise.resolved',
      ]);
    }

    it('a completion rejects the promises still pending, ending an await on one; a late resolve changes nothing', async () => {
      const { id, pending, paid } = await runningWithPromises('e-complete');
      const woken: string[] = [];
      const sub = bus.subscribe<{ topic: string }>('engine.wake', (m) => void woken.push(m.data.topic));
      // The manual clock never reaches this await's deadline: only the completion can end it.
      const waiting = engine.awaitPromise(ORG, pending[0]!.id, 60_000, AbortSignal.timeout(10_000));
      clock.advance(5);
      const completed = await engine.complete(
        'workflow',
        ORG,
        id,
        { workerId: 'w1', claimer: 'key_w' },
        { done: true },
      );
      expect(completed).toMatchObject({ status: 'completed', output: { done: true } });
      const error = `Workflow ${id} completed before the promise was settled`;
      expect(await waiting).toMatchObject({ id: pending[0]!.id, status: 'rejected', error });
      sub.unsubscribe();
      expect(woken.filter((t) => t.startsWith('promise.')).sort()).toEqual(
        pending.map((p) => `promise.${ORG}.${p.id}`).sort(),
      );
      await expectRejected(id, pending, paid, error);
      const workflowEvents = (await store.events.listPending(1000)).filter((e) => e.subject === id);
      expect(workflowEvents.at(-1)).toMatchObject({
        type: 'workflow.completed',
        correlationId: 'e-complete-corr',
      });
      expect(
        await engine.settlePromise({ org: ORG, promise: pending[1]!.id, mode: 'resolve', value: 'late' }),
      ).toEqual({ promiseId: pending[1]!.id, settled: false });
    });

    it('a worker’s fail ends a workflow for good (workflows have no retries): its pending promises are rejected', async () => {
      const { id, pending, paid } = await runningWithPromises('e-fail');
      clock.advance(5);
      expect(
        await engine.fail('workflow', ORG, id, { workerId: 'w1', claimer: 'key_w' }, 'card declined'),
      ).toMatchObject({
        status: 'failed',
        error: 'card declined',
      });
      await expectRejected(id, pending, paid, `Workflow ${id} failed: card declined`);
    });

    it('an expired lease that sends the workflow back keeps its promises; the last one rejects them', async () => {
      const { id, pending, paid } = await runningWithPromises('e-lease');
      // Three expired leases send it back to its queue for another worker to resume: not ended, promises kept.
      for (let n = 1; n <= 3; n++) {
        if (n > 1) expect(await claim('workflow', ['e-lease'], `w${n}`)).toMatchObject({ id });
        clock.advance(1001);
        expect(await engine.releaseExpiredLeases()).toBe(1);
        expect(await engine.get('workflow', ORG, id)).toMatchObject({ status: 'pending' });
        for (const p of pending) expect(await engine.getPromise(ORG, p.id)).toEqual(p);
      }
      // The resumed workflow makes its promises again and gets the same ones.
      await claim('workflow', ['e-lease'], 'w4');
      expect(await engine.createPromise(ORG, { key: pending[0]!.key!, workflowId: id })).toEqual({
        record: pending[0],
        created: false,
      });
      clock.advance(1001);
      expect(await engine.releaseExpiredLeases()).toBe(1);
      const failed = await engine.get('workflow', ORG, id);
      expect(failed).toMatchObject({
        status: 'failed',
        error: 'lease expired: the worker stopped heartbeating (after 4 expired leases)',
      });
      await expectRejected(id, pending, paid, `Workflow ${id} failed: ${failed.error}`);
    });

    it('a task’s end, whether completed, failed, retried or cancelled, touches no promise', async () => {
      const wf = await engine.startWorkflow({
        org: ORG,
        kind: 'e-task-owner',
        input: {},
        idempotencyKey: 'eto',
      });
      const p = (await engine.createPromise(ORG, { key: 'e-task:p', workflowId: wf.id })).record;
      const ids = [];
      for (const key of ['et-1', 'et-2', 'et-3'])
        ids.push(
          (
            await engine.createTask({
              org: ORG,
              kind: 'e-task',
              input: {},
              idempotencyKey: key,
              maxRetries: 1,
            })
          ).id,
        );
      for (const _ of ids) await claim('task', ['e-task']);
      await engine.complete('task', ORG, ids[0]!, { workerId: 'w1', claimer: 'key_w' }, null);
      expect(
        await engine.fail('task', ORG, ids[1]!, { workerId: 'w1', claimer: 'key_w' }, 'again'),
      ).toMatchObject({ status: 'pending' });
      await engine.cancel('task', ORG, ids[2]!, 'no');
      await claim('task', ['e-task']);
      expect(
        await engine.fail('task', ORG, ids[1]!, { workerId: 'w1', claimer: 'key_w' }, 'for good'),
      ).toMatchObject({ status: 'failed' });
      expect(await engine.getPromise(ORG, p.id)).toEqual(p);
    });
  });
}
