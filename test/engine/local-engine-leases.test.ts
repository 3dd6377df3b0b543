// The local engine's expired leases, on both stores: an execution whose worker stopped heartbeating is a failed
// execution. A task with retries left goes back to its queue (task.retrying), one without ends failed
// (task.failed); a workflow, durable across worker crashes, goes back (workflow.retrying). Each change commits
// its lifecycle event with it; a sweep with nothing to release writes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import type { LocalEngine } from '../../src/engine/adapters/local/local-engine.js';
import type { Store } from '../../src/store/port.js';
import { claimNow, openLocalEngine } from '../helpers/local-engine.js';
import { STORE_FACTORIES } from '../helpers/stores.js';
import { holdWriteLock } from '../helpers/write-lock.js';

const ORG = 'acme';

for (const factory of STORE_FACTORIES) {
  const available = await factory.available();
  describe.skipIf(!available)(`local engine, expired leases — ${factory.name}`, () => {
    let store: Store;
    let url: string;
    let engine: LocalEngine;
    let close: (() => Promise<void>) | undefined;
    const clock = new ManualClock();

    beforeAll(async () => {
      ({ store, url, engine, close } = await openLocalEngine(factory, clock));
    });
    afterAll(async () => close?.());

    /** The lifecycle events committed about one execution, oldest first, as type and data. */
    async function eventsOf(id: string): Promise<{ type: string; data: Record<string, unknown> }[]> {
      const pending = await store.events.listPending(1000);
      return pending
        .filter((e) => e.subject === id)
        .map((e) => ({ type: e.type, data: e.data as Record<string, unknown> }));
    }

    /** Claims work of `kinds` at once (no waiting) for `workerId`, with a lease of 1 s. */
    const claim = (kind: 'workflow' | 'task', kinds: string[], workerId?: string) =>
      claimNow(engine, ORG, kind, kinds, workerId);

    it('an idle sweep only reads: it ends at once while another connection holds the write lock', async () => {
      const release = await holdWriteLock(factory.name, url, ['workflows', 'tasks']);
      try {
        const sweep = engine.releaseExpiredLeases();
        const blocked = new Promise((resolve) => setTimeout(() => resolve('blocked'), 1500).unref());
        expect(await Promise.race([sweep, blocked])).toBe(0);
      } finally {
        await release();
      }
    });

    it('a task with retries left goes back to pending (task.retrying); its last execution ends it failed (task.failed)', async () => {
      const { id } = await engine.createTask({
        org: ORG,
        kind: 'flaky',
        input: {},
        idempotencyKey: 'lease-task',
        maxRetries: 1,
      });
      expect(await claim('task', ['flaky'])).toMatchObject({ id, executionCount: 1 });
      // Within its lease nothing happens.
      clock.advance(1000);
      expect(await engine.releaseExpiredLeases()).toBe(0);
      expect(await engine.get('task', ORG, id)).toMatchObject({ status: 'running' });

      clock.advance(1);
      expect(await engine.releaseExpiredLeases()).toBe(1);
      expect(await engine.get('task', ORG, id)).toMatchObject({
        status: 'pending',
        workerId: null,
        leaseUntil: null,
        executionCount: 1,
        error: 'lease expired: the worker stopped heartbeating',
      });
      expect((await eventsOf(id)).map((e) => e.type)).toEqual([
        'task.created',
        'task.started',
        'task.retrying',
      ]);
      // Lifecycle events spell statuses as Flovyn does (upper case); the execution's own view keeps lower case.
      expect((await eventsOf(id))[2]!.data).toMatchObject({
        status: 'PENDING',
        executionCount: 1,
        maxRetries: 1,
        error: 'lease expired: the worker stopped heartbeating',
      });

      // The re-claim is a second execution (not a new start); its lease expiring too leaves no retry.
      expect(await claim('task', ['flaky'])).toMatchObject({ id, executionCount: 2 });
      clock.advance(1001);
      expect(await engine.releaseExpiredLeases()).toBe(1);
      const failed = await engine.get('task', ORG, id);
      expect(failed).toMatchObject({
        status: 'failed',
        executionCount: 2,
        leaseUntil: null,
        completedAt: clock.now(),
        error: 'lease expired: the worker stopped heartbeating (after 2 executions)',
      });
      const events = await eventsOf(id);
      expect(events.map((e) => e.type)).toEqual([
        'task.created',
        'task.started',
        'task.retrying',
        'task.failed',
      ]);
      expect(events[3]!.data).toMatchObject({
        status: 'FAILED',
        executionCount: 2,
        maxRetries: 1,
        workerId: 'w1',
        error: 'lease expired: the worker stopped heartbeating (after 2 executions)',
      });
      // Nothing is left to claim, and later sweeps change nothing.
      expect(await claim('task', ['flaky'])).toBeUndefined();
      clock.advance(60_000);
      expect(await engine.releaseExpiredLeases()).toBe(0);
      expect(await eventsOf(id)).toHaveLength(4);
    });

    it('a task without retries fails when its first lease expires', async () => {
      const { id } = await engine.createTask({
        org: ORG,
        kind: 'once',
        input: {},
        idempotencyKey: 'lease-once',
        maxRetries: 0,
      });
      await claim('task', ['once']);
      clock.advance(1001);
      expect(await engine.releaseExpiredLeases()).toBe(1);
      expect(await engine.get('task', ORG, id)).toMatchObject({
        status: 'failed',
        error: 'lease expired: the worker stopped heartbeating (after 1 execution)',
      });
      expect((await eventsOf(id)).map((e) => e.type)).toEqual([
        'task.created',
        'task.started',
        'task.failed',
      ]);
    });

    it('a heartbeat keeps the lease; a workflow whose lease expires goes back to pending (workflow.retrying)', async () => {
      const { id } = await engine.startWorkflow({
        org: ORG,
        kind: 'durable',
        input: {},
        idempotencyKey: 'lease-wf',
      });
      await claim('workflow', ['durable']);
      clock.advance(900);
      await engine.heartbeat('workflow', ORG, id, { workerId: 'w1', claimer: 'key_w' }, 1000);
      clock.advance(900);
      expect(await engine.releaseExpiredLeases()).toBe(0);
      clock.advance(101);
      expect(await engine.releaseExpiredLeases()).toBe(1);
      expect(await engine.get('workflow', ORG, id)).toMatchObject({
        status: 'pending',
        workerId: null,
        error: 'lease expired: the worker stopped heartbeating',
      });
      expect((await eventsOf(id)).map((e) => e.type)).toEqual([
        'workflow.created',
        'workflow.started',
        'workflow.retrying',
      ]);
      // Another worker resumes it; that is not a new start.
      expect(await claim('workflow', ['durable'])).toMatchObject({ id, status: 'running' });
      expect(await eventsOf(id)).toHaveLength(3);
    });

    it('a worker that lost its claim is told why: the lease ran out, another worker holds it, it is finished', async () => {
      const { id } = await engine.createTask({ org: ORG, kind: 'told', input: {}, idempotencyKey: 'told-1' });
      const lost = (workerId: string) =>
        engine.complete('task', ORG, id, { workerId, claimer: 'key_w' }, null).then(
          () => 'completed',
          (err: Error) => err.message,
        );
      expect(await claim('task', ['told'])).toMatchObject({ id });
      clock.advance(1001);
      await engine.releaseExpiredLeases();
      expect(await lost('w1')).toBe(
        `Task ${id} is not claimed by this worker: its lease ran out and it waits to be claimed again`,
      );
      expect(await claim('task', ['told'], 'w2')).toMatchObject({ id });
      expect(await lost('w1')).toBe(`Task ${id} is not claimed by this worker: worker w2 holds it now`);
      expect(await lost('w2')).toBe('completed');
      expect(await lost('w2')).toBe(`Task ${id} is not claimed by this worker: it is already completed`);
    });
  });
}
