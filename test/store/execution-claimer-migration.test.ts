// Migration 026 on a store with executions running under claims made before it, which named no key: each still
// answers its workerId, from whichever key, as it did; the next claim of it names its key, and from then on only that
// key's calls hold it. The database is migrated only up to 025, given running executions as that release wrote them,
// and then opened, which runs 026 on real data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedUpTo, type OlderDatabase } from '../helpers/migrations.js';
import { STORE_FACTORIES } from '../helpers/stores.js';

const BEFORE = '025-org-deletion';
const T0 = 1_700_000_000_000;

/** A workflow or task row running under `workerId`, as release 025 wrote a claim. */
function running(id: string, workerId: string): Record<string, unknown> {
  return {
    id,
    org: 'acme',
    kind: 'legacy',
    queue: 'default',
    status: 'running',
    input: '{}',
    output: null,
    error: null,
    idempotency_key: `key:${id}`,
    metadata: '{}',
    worker_id: workerId,
    lease_until: T0 + 60_000,
    created_at: T0,
    started_at: T0,
    completed_at: null,
    correlation_id: null,
    traceparent: null,
  };
}

for (const factory of STORE_FACTORIES) {
  const available = await factory.available();
  describe.skipIf(!available)(
    `migration 026 (executions name the key that claimed them) — ${factory.name}`,
    () => {
      let setup: OlderDatabase;

      beforeAll(async () => {
        setup = await migratedUpTo(factory, BEFORE);
      });
      afterAll(async () => setup?.cleanup());

      it('a claim made before it holds by its workerId alone; a claim made after holds by its key too', async () => {
        await setup.db
          .insertInto('workflows' as never)
          .values(running('wf_old', 'w-old') as never)
          .execute();
        await setup.db
          .insertInto('tasks' as never)
          .values({ ...running('task_old', 'w-old'), max_retries: 0, execution_count: 1 } as never)
          .execute();

        const store = await setup.open();
        try {
          const lease = { leaseUntil: T0 + 120_000 };
          expect(
            await store.workflows.update('acme', 'wf_old', { workerId: 'w-other', claimer: 'key_a' }, lease),
          ).toBeUndefined();
          expect(
            await store.workflows.update('acme', 'wf_old', { workerId: 'w-old', claimer: 'key_a' }, lease),
          ).toMatchObject({ status: 'running', workerId: 'w-old', leaseUntil: T0 + 120_000 });
          expect(
            await store.tasks.update(
              'acme',
              'task_old',
              { workerId: 'w-old', claimer: 'key_b' },
              { status: 'completed', completedAt: T0 + 1, leaseUntil: null },
            ),
          ).toMatchObject({ status: 'completed' });

          // Sent back to its queue and claimed again: now it is the claiming key's.
          await store.workflows.releaseExpired(T0 + 200_000, 'lease expired', 3);
          const claimed = await store.workflows.claim('acme', {
            kinds: ['legacy'],
            queue: 'default',
            workerId: 'w-old',
            claimer: 'key_a',
            leaseUntil: T0 + 300_000,
            now: T0 + 200_000,
          });
          expect(claimed).toMatchObject({ id: 'wf_old', status: 'running', workerId: 'w-old' });
          expect(
            await store.workflows.update('acme', 'wf_old', { workerId: 'w-old', claimer: 'key_b' }, lease),
          ).toBeUndefined();
          expect(
            await store.workflows.update('acme', 'wf_old', { workerId: 'w-old', claimer: 'key_a' }, lease),
          ).toMatchObject({ status: 'running', leaseUntil: T0 + 120_000 });
        } finally {
          await store.close();
        }
      });
    },
  );
}
