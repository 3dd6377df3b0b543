// A promise made for a workflow, on both stores: the workflow must be one of the org (a task is none) and pending or
// running; a key that names a promise already is answered as it is whatever became of its workflow since; a
// creation racing with the workflow's end is either refused or rejected with the workflow's other promises.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { EventhookError } from '../../src/core/errors.js';
import type { LocalEngine } from '../../src/engine/adapters/local/local-engine.js';
import type { Store } from '../../src/store/port.js';
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
  describe.skipIf(!available)(`local engine, a promise's workflow — ${factory.name}`, () => {
    let store: Store;
    let engine: LocalEngine;
    let close: (() => Promise<void>) | undefined;
    const clock = new ManualClock();

    beforeAll(async () => {
      ({ store, engine, close } = await openLocalEngine(factory, clock));
    });
    afterAll(async () => close?.());

    const claim = (kind: 'workflow' | 'task', kinds: string[], workerId?: string) =>
      claimNow(engine, ORG, kind, kinds, workerId);
    const start = async (kind: string, key: string) =>
      (await engine.startWorkflow({ org: ORG, kind, input: {}, idempotencyKey: key })).id;
    const promiseEvents = async () =>
      (await store.events.listPending(1000)).filter((e) => e.source === 'system:promises');
    const ended = (id: string, status: string) =>
      `EH_ENGINE_WORKFLOW_ENDED: Workflow ${id} is already ${status}: a promise can only be created for a pending ` +
      'or running workflow';

    it('needs a workflow of the org: an unknown id, a task’s or another org’s workflow is not found, nothing stored', async () => {
      const task = (await engine.createTask({ org: ORG, kind: 'p-task', input: {}, idempotencyKey: 'pt-1' }))
        .id;
      const elsewhere = (
        await engine.startWorkflow({ org: 'other', kind: 'p-other', input: {}, idempotencyKey: 'po-1' })
      ).id;
      const before = (await promiseEvents()).length;
      for (const id of ['wf_unknown', task, elsewhere])
        expect(await refusal(engine.createPromise(ORG, { key: `p-nf:${id}`, workflowId: id }))).toBe(
          `EH_ENGINE_NOT_FOUND: Workflow ${id} was not found`,
        );
      expect((await engine.listPromises(ORG, {}, { limit: 200 })).items).toEqual([]);
      expect(await promiseEvents()).toHaveLength(before);
      // Without a workflow, a promise is made as ever.
      expect((await engine.createPromise(ORG, { key: 'p-nf:none' })).created).toBe(true);
    });

    it('a pending or running workflow gets its promise; a completed, failed or cancelled one is refused', async () => {
      const pending = await start('p-live', 'pl-1');
      expect(await engine.createPromise(ORG, { key: 'p-live:pending', workflowId: pending })).toMatchObject({
        created: true,
        record: { status: 'pending', workflowId: pending },
      });
      await claim('workflow', ['p-live']);
      expect(await engine.createPromise(ORG, { key: 'p-live:running', workflowId: pending })).toMatchObject({
        created: true,
      });

      const completed = await start('p-done', 'pd-1');
      await claim('workflow', ['p-done']);
      await engine.complete('workflow', ORG, completed, { workerId: 'w1', claimer: 'key_w' }, null);
      const failed = await start('p-failed', 'pf-1');
      await claim('workflow', ['p-failed']);
      await engine.fail('workflow', ORG, failed, { workerId: 'w1', claimer: 'key_w' }, 'boom');
      const cancelled = await start('p-cancelled', 'pc-1');
      await engine.cancel('workflow', ORG, cancelled, undefined);
      const before = (await promiseEvents()).length;
      for (const [id, status] of [
        [completed, 'completed'],
        [failed, 'failed'],
        [cancelled, 'cancelled'],
      ] as const)
        expect(await refusal(engine.createPromise(ORG, { key: `p-ended:${id}`, workflowId: id }))).toBe(
          ended(id, status),
        );
      expect((await engine.listPromises(ORG, { status: 'pending' }, { limit: 200 })).items).toHaveLength(3);
      expect(await promiseEvents()).toHaveLength(before);
    });

    it('a key made again after its workflow ended answers the promise it names (as the end left it); a new key is refused', async () => {
      const id = await start('p-again', 'pa-1');
      await claim('workflow', ['p-again']);
      const first = await engine.createPromise(ORG, { key: 'p-again:a', workflowId: id });
      await engine.complete('workflow', ORG, id, { workerId: 'w1', claimer: 'key_w' }, null);
      const rejected = await engine.getPromise(ORG, first.record.id);
      expect(rejected).toMatchObject({
        status: 'rejected',
        error: `Workflow ${id} completed before the promise was settled`,
      });
      const before = (await promiseEvents()).length;
      expect(await engine.createPromise(ORG, { key: 'p-again:a', workflowId: id })).toEqual({
        record: rejected,
        created: false,
      });
      expect(await refusal(engine.createPromise(ORG, { key: 'p-again:b', workflowId: id }))).toBe(
        ended(id, 'completed'),
      );
      expect(await promiseEvents()).toHaveLength(before);
    });

    it('a creation racing with the workflow’s end is refused, or made and then rejected by the end: never left pending', async () => {
      for (let round = 0; round < 20; round++) {
        const id = await start('p-race', `pr-${round}`);
        await claim('workflow', ['p-race']);
        const end =
          round % 2 === 0
            ? engine.cancel('workflow', ORG, id, 'race')
            : engine.complete('workflow', ORG, id, { workerId: 'w1', claimer: 'key_w' }, null);
        const [made] = await Promise.all([
          refusal(engine.createPromise(ORG, { key: `p-race:${round}`, workflowId: id })),
          end,
        ]);
        const status = round % 2 === 0 ? 'cancelled' : 'completed';
        const promise = (await engine.listPromises(ORG, { workflowId: id }, { limit: 10 })).items;
        if (made === 'ok') {
          expect(promise).toHaveLength(1);
          expect(promise[0]).toMatchObject({ status: 'rejected' });
        } else {
          expect(made).toBe(ended(id, status));
          expect(promise).toEqual([]);
        }
      }
    });
  });
}
