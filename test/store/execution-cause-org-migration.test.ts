// Migration 028 on a store that already holds causes of Flovyn executions, keyed by execution id alone: each keeps
// its event, hops, correlation id and traceparent under the org of its event, and one whose event is gone (pruned or
// purged) is dropped. Afterwards two orgs keep causes of one execution id apart. The database is migrated only up to
// 027, given causes as that release wrote them, and then opened, which runs 028 on real data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedUpTo, type OlderDatabase } from '../helpers/migrations.js';
import { STORE_FACTORIES } from '../helpers/stores.js';

const BEFORE = '027-endpoint-secret-headers';
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

const event = (id: string, org: string) => ({
  id,
  org,
  source: 'shop',
  type: 'order.created',
  time: 900,
  status: 'routed',
  data: '{}',
});

for (const factory of STORE_FACTORIES) {
  const available = await factory.available();
  describe.skipIf(!available)(`migration 028 (causes are kept per org) — ${factory.name}`, () => {
    let setup: OlderDatabase;

    beforeAll(async () => {
      setup = await migratedUpTo(factory, BEFORE);
    });
    afterAll(async () => setup?.cleanup());

    it('a cause written before goes under its event’s org; one without its event is dropped', async () => {
      await setup.db
        .insertInto('events' as never)
        .values([event('evt_acme', 'acme'), event('evt_globex', 'globex')] as never)
        .execute();
      await setup.db
        .insertInto('execution_causes' as never)
        .values([
          {
            execution_id: 'wf-acme',
            event_id: 'evt_acme',
            hops: 2,
            created_at: 1_000,
            correlation_id: 'order-1',
            traceparent: TRACEPARENT,
          },
          { execution_id: 'wf-globex', event_id: 'evt_globex', hops: 0, created_at: 1_100 },
          { execution_id: 'wf-orphan', event_id: 'evt_pruned', hops: 1, created_at: 1_200 },
        ] as never)
        .execute();

      const store = await setup.open();
      try {
        expect(await store.executionCauses.of('acme', 'wf-acme')).toEqual({
          org: 'acme',
          executionId: 'wf-acme',
          eventId: 'evt_acme',
          hops: 2,
          createdAt: 1_000,
          correlationId: 'order-1',
          traceparent: TRACEPARENT,
        });
        expect(await store.executionCauses.of('globex', 'wf-globex')).toMatchObject({
          eventId: 'evt_globex',
        });
        expect(await store.executionCauses.of('globex', 'wf-acme')).toBeUndefined();
        expect(await store.executionCauses.prune(2_000)).toBe(2);

        // The same execution id in two orgs: two causes.
        for (const org of ['acme', 'globex'])
          expect(
            await store.executionCauses.remember({
              org,
              executionId: 'wf-same',
              eventId: `evt_${org}`,
              hops: 0,
              createdAt: 3_000,
            }),
          ).toBe(true);
        expect(await store.executionCauses.of('globex', 'wf-same')).toMatchObject({ eventId: 'evt_globex' });
        // Retention still reads the new table by its time.
        expect(await store.executionCauses.prune(3_001)).toBe(2);
      } finally {
        await store.close();
      }
    });
  });
}
