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
      expect(
        await store.executionCauses.remember({
          org: 'default',
          executionId: 'wf-1',
          eventId: 'evt_a',
          hops: 2,
          createdAt: 1_000,
        }),
      ).toBe(true);
      expect(
        await store.executionCauses.remember({
          org: 'default',
          executionId: 'wf-1',
          eventId: 'evt_b',
          hops: 0,
          createdAt: 2_000,
        }),
      ).toBe(false);
      expect(await store.executionCauses.of('default', 'wf-1')).toEqual({
        org: 'default',
        executionId: 'wf-1',
        eventId: 'evt_a',
        hops: 2,
        createdAt: 1_000,
      });
      expect(await store.executionCauses.of('default', 'wf-unknown')).toBeUndefined();
    });

    it('the start that made an execution replaces a concurrent one remembered before it', async () => {
      await store.executionCauses.remember({
        org: 'default',
        executionId: 'wf-race',
        eventId: 'evt_dup',
        hops: 3,
        createdAt: 5_000,
      });
      expect(
        await store.executionCauses.remember(
          {
            org: 'default',
            executionId: 'wf-race',
            eventId: 'evt_made',
            hops: 1,
            correlationId: 'c',
            createdAt: 6_000,
          },
          true,
        ),
      ).toBe(true);
      expect(await store.executionCauses.of('default', 'wf-race')).toMatchObject({
        eventId: 'evt_made',
        hops: 1,
        correlationId: 'c',
      });
    });

    it('keeps the causing event’s correlation id and traceparent, and every process reads them', async () => {
      const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      const starter = new ExecutionCauses(store.executionCauses, () => 3_000);
      await starter.remember('default', 'wf-traced', {
        eventId: 'evt_t',
        hops: 1,
        correlationId: 'order-7',
        traceparent,
      });
      await starter.remember('default', 'wf-plain', { eventId: 'evt_p', hops: 0, correlationId: 'evt_p' });
      expect(await store.executionCauses.of('default', 'wf-traced')).toEqual({
        org: 'default',
        executionId: 'wf-traced',
        eventId: 'evt_t',
        hops: 1,
        createdAt: 3_000,
        correlationId: 'order-7',
        traceparent,
      });
      const other = new ExecutionCauses(store.executionCauses, () => 3_000, 10, []);
      expect(await other.of('default', 'wf-traced')).toEqual({
        eventId: 'evt_t',
        hops: 1,
        correlationId: 'order-7',
        traceparent,
      });
      // No traceparent on the causing event: none kept (not an empty one).
      expect(await other.of('default', 'wf-plain')).toEqual({
        eventId: 'evt_p',
        hops: 0,
        correlationId: 'evt_p',
      });
    });

    it('keeps each org’s cause of an execution id apart: one org never reads or replaces another’s', async () => {
      // Two orgs whose engines name an execution alike (two Flovyn orgs, a forged or colliding id in an event).
      expect(
        await store.executionCauses.remember({
          org: 'acme',
          executionId: 'wf-shared',
          eventId: 'evt_acme',
          hops: 5,
          createdAt: 7_000,
          correlationId: 'acme-order',
        }),
      ).toBe(true);
      expect(
        await store.executionCauses.remember({
          org: 'globex',
          executionId: 'wf-shared',
          eventId: 'evt_globex',
          hops: 0,
          createdAt: 7_000,
        }),
      ).toBe(true);
      expect(await store.executionCauses.of('globex', 'wf-shared')).toEqual({
        org: 'globex',
        executionId: 'wf-shared',
        eventId: 'evt_globex',
        hops: 0,
        createdAt: 7_000,
      });
      expect(await store.executionCauses.of('acme', 'wf-shared')).toMatchObject({
        eventId: 'evt_acme',
        correlationId: 'acme-order',
      });
      expect(await store.executionCauses.of('initech', 'wf-shared')).toBeUndefined();

      // In front of the store too: the process that remembered acme's does not hand it to globex's events.
      const causes = new ExecutionCauses(store.executionCauses, () => 7_000, 10, []);
      await causes.remember('acme', 'wf-mem', { eventId: 'evt_acme_mem', hops: 2 });
      expect(await causes.of('globex', 'wf-mem')).toBeUndefined();
      expect(await causes.of('acme', 'wf-mem')).toEqual({ eventId: 'evt_acme_mem', hops: 2 });
    });

    it('forgets causes older than the retention', async () => {
      await store.executionCauses.remember({
        org: 'default',
        executionId: 'old',
        eventId: 'e',
        hops: 0,
        createdAt: 500,
      });
      await store.executionCauses.remember({
        org: 'default',
        executionId: 'new',
        eventId: 'e',
        hops: 0,
        createdAt: 5_000,
      });
      expect(await store.executionCauses.prune(1_500)).toBe(2); // 'old' and 'wf-1'
      expect(await store.executionCauses.of('default', 'old')).toBeUndefined();
      expect(await store.executionCauses.of('default', 'new')).toBeDefined();
    });

    it('another process (another ExecutionCauses on the same store) reads what one remembered', async () => {
      let now = 10_000;
      const starter = new ExecutionCauses(store.executionCauses, () => now);
      const other = new ExecutionCauses(store.executionCauses, () => now, 1);
      await starter.remember('default', 'wf-2', { eventId: 'evt_c', hops: 4 });
      now += 1;
      expect(await other.of('default', 'wf-2')).toEqual({ eventId: 'evt_c', hops: 4 });
      expect((await store.executionCauses.of('default', 'wf-2'))?.createdAt).toBe(10_000);
    });

    it('finds a cause written a moment after the execution’s first event arrived (Flovyn published before answering)', async () => {
      const causes = new ExecutionCauses(store.executionCauses, () => 20_000, 100, [20, 50, 100]);
      const looking = causes.of('default', 'wf-late');
      await new Promise((r) => setTimeout(r, 10));
      // Another process's start, answered now.
      await store.executionCauses.remember({
        org: 'default',
        executionId: 'wf-late',
        eventId: 'evt_late',
        hops: 3,
        createdAt: 20_000,
      });
      expect(await looking).toEqual({ eventId: 'evt_late', hops: 3 });
    });

    it('takes an execution without a cause for a stranger’s for a minute: its next events do not wait', async () => {
      let lookups = 0;
      const counted = {
        remember: (c: Parameters<Store['executionCauses']['remember']>[0]) =>
          store.executionCauses.remember(c),
        prune: (before: number) => store.executionCauses.prune(before),
        of: (org: string, id: string) => {
          lookups++;
          return store.executionCauses.of(org, id);
        },
      };
      let now = 30_000;
      const causes = new ExecutionCauses(counted, () => now, 100, [5, 5]);
      expect(await causes.of('default', 'wf-stranger')).toBeUndefined();
      expect(lookups).toBe(3);
      expect(await causes.of('default', 'wf-stranger')).toBeUndefined();
      expect(lookups).toBe(3);
      now += 60_001;
      expect(await causes.of('default', 'wf-stranger')).toBeUndefined();
      expect(lookups).toBe(6);
    });
  });
}
