// Migration 020 on a store that already holds causes of Flovyn executions: those rows keep their event and hops and
// read back without a correlation id or traceparent (so their lifecycle events get what they got before), and causes
// remembered after it keep both. The database is migrated only up to 019, given a cause as that release wrote it, and
// then opened, which runs 020 (and whatever comes between) on real data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutionCauses } from '../../src/engine/adapters/flovyn/execution-causes.js';
import { mapLifecycleEvent } from '../../src/engine/adapters/flovyn/lifecycle-mapping.js';
import { migratedUpTo, type OlderDatabase } from '../helpers/migrations.js';
import { STORE_FACTORIES } from '../helpers/stores.js';

const BEFORE = '019-action-lease-holder';

for (const factory of STORE_FACTORIES) {
  const available = await factory.available();
  describe.skipIf(!available)(`migration 020 (causes keep correlation and trace) — ${factory.name}`, () => {
    let setup: OlderDatabase;

    beforeAll(async () => {
      setup = await migratedUpTo(factory, BEFORE);
    });
    afterAll(async () => setup?.cleanup());

    it('a cause written before it reads back without either, and its events get what they got before', async () => {
      // Its event, whose org migration 028 gives the cause.
      await setup.db
        .insertInto('events' as never)
        .values({
          id: 'evt_old',
          org: 'default',
          source: 'shop',
          type: 'order.created',
          time: 900,
          status: 'routed',
          data: '{}',
        } as never)
        .execute();
      await setup.db
        .insertInto('execution_causes' as never)
        .values({ execution_id: 'wf-old', event_id: 'evt_old', hops: 2, created_at: 1_000 } as never)
        .execute();

      const store = await setup.open();
      try {
        expect(await store.executionCauses.of('default', 'wf-old')).toEqual({
          org: 'default',
          executionId: 'wf-old',
          eventId: 'evt_old',
          hops: 2,
          createdAt: 1_000,
        });
        const cause = await new ExecutionCauses(store.executionCauses, () => 2_000, 10, []).of(
          'default',
          'wf-old',
        );
        const event = (payload: Record<string, unknown>) => {
          const mapped = mapLifecycleEvent(
            'flovyn.events.org-1.workflow.completed',
            JSON.stringify({ event_type: 'WORKFLOW_COMPLETED', workflow_execution_id: 'wf-old', ...payload }),
            new Map([['org-1', 'default']]),
            2_000,
            () => cause,
          );
          if ('skip' in mapped) throw new Error(mapped.skip);
          return mapped.event;
        };
        expect(event({})).toMatchObject({ correlationId: 'evt_old', traceparent: null, hopCount: 3 });
        expect(event({ correlation_id: 'flovyn-corr' })).toMatchObject({ correlationId: 'flovyn-corr' });

        // A cause remembered now keeps both.
        const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
        await store.executionCauses.remember({
          org: 'default',
          executionId: 'wf-new',
          eventId: 'evt_new',
          hops: 0,
          createdAt: 3_000,
          correlationId: 'order-9',
          traceparent,
        });
        expect(await store.executionCauses.of('default', 'wf-new')).toMatchObject({
          correlationId: 'order-9',
          traceparent,
        });
      } finally {
        await store.close();
      }
    });
  });
}
