// Cancelling workflows and tasks over the HTTP API, on both stores: a member key cancels, a worker key may not; the
// worker running a cancelled execution is told so (409 EH_ENGINE_CANCELLED) and changes nothing; a finished one is
// a 409 naming its status; a rule routes workflow.cancelled / task.cancelled like any lifecycle event; the key of a
// cancelled workflow starts a new one; a cancelled workflow's pending promises are rejected, ending their awaits.
// A member key reads one promise, as it lists them, but may not create or await one (a worker's calls).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendAvailable, BACKENDS, eventually, startTestApp, type TestApp } from '../helpers/app.js';

const base = '/api/orgs/default/eventhook';

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`engine cancellation over HTTP — ${backend}`, () => {
    let t: TestApp;
    const keys: Record<'member' | 'worker' | 'publisher', string> = { member: '', worker: '', publisher: '' };
    const as = (role: keyof typeof keys) => t.api.as(keys[role]);

    beforeAll(async () => {
      t = await startTestApp(backend);
      for (const role of ['member', 'worker', 'publisher'] as const) {
        const key = await t.api.post('/api/orgs/default/api-keys', { name: role, role });
        expect(key.status, key.text).toBe(201);
        keys[role] = key.body.key;
      }
      const rules = [
        {
          name: 'order-checkout',
          pattern: { type: ['order.placed'] },
          targets: [
            { type: 'workflow', kind: 'checkout', idempotencyKey: "join(':', ['checkout', data.order])" },
          ],
        },
        { name: 'job-task', pattern: { type: ['job.queued'] }, targets: [{ type: 'task', kind: 'job' }] },
        {
          name: 'payment-resolves',
          pattern: { type: ['payment.succeeded'] },
          targets: [
            {
              type: 'promise',
              mode: 'resolve',
              promise: "join('', ['key:payment:', data.payment])",
              value: 'data',
            },
          ],
        },
        {
          name: 'clean-up-cancelled',
          pattern: {
            source: ['system:workflows', 'system:tasks'],
            type: ['workflow.cancelled', 'task.cancelled'],
            data: { status: ['CANCELLED'] },
          },
          targets: [{ type: 'task', kind: 'clean-up' }],
        },
      ];
      for (const rule of rules) {
        const res = await t.api.post(`${base}/rules`, rule);
        expect(res.status, res.text).toBe(201);
      }
    });
    afterAll(async () => t?.close());

    /** Sends an event and returns the execution its rule made (the newest of `kind`, other than `not`). */
    async function started(kind: 'workflow' | 'task', type: string, data: object, not?: string) {
      const sent = await t.api.post(`${base}/events`, { type, data });
      expect(sent.status, sent.text).toBe(200);
      const execKind = kind === 'workflow' ? 'checkout' : 'job';
      return eventually(
        async () =>
          (await t.api.get(`${base}/engine/${kind}s?kind=${execKind}`)).body.items.find(
            (x: { id: string; input: { id: string } }) => x.input.id === sent.body.eventId && x.id !== not,
          ),
        10_000,
        `the ${kind} of ${type}`,
      );
    }
    /** The clean-up tasks the rule on cancellations made, by the cancelled execution's id. */
    const cleanUpOf = (id: string) =>
      eventually(
        async () =>
          (await t.api.get(`${base}/engine/tasks?kind=clean-up`)).body.items.find(
            (x: { input: { subject: string } }) => x.input.subject === id,
          ),
        10_000,
        `the clean-up of ${id}`,
      );

    it('a member cancels a pending workflow; the rule on workflow.cancelled routes it; its key starts a new one', async () => {
      const wf = await started('workflow', 'order.placed', { order: 'o-1' });
      expect(wf).toMatchObject({ status: 'pending', idempotencyKey: 'checkout:o-1' });

      const res = await as('member').post(`${base}/engine/workflows/${wf.id}/cancel`, {
        reason: 'order withdrawn',
      });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({
        id: wf.id,
        status: 'cancelled',
        error: 'order withdrawn',
        workerId: null,
      });
      expect(Date.parse(res.body.completedAt)).toBeGreaterThan(0);
      expect((await t.api.get(`${base}/engine/workflows/${wf.id}`)).body).toEqual(res.body);

      const cleanUp = await cleanUpOf(wf.id);
      expect(cleanUp.input).toMatchObject({
        source: 'system:workflows',
        type: 'workflow.cancelled',
        subject: wf.id,
        data: { id: wf.id, kind: 'checkout', status: 'CANCELLED', error: 'order withdrawn' },
      });

      // The same order again: the cancelled workflow freed its key, so a new one starts (a live one would be named).
      const again = await started('workflow', 'order.placed', { order: 'o-1' }, wf.id);
      expect(again).toMatchObject({ status: 'pending', idempotencyKey: 'checkout:o-1' });
      expect((await t.api.get(`${base}/engine/workflows/${wf.id}`)).body.idempotencyKey).toBeNull();
    });

    it('cancels a running task; its worker’s heartbeat, complete and fail get 409 EH_ENGINE_CANCELLED', async () => {
      const task = await started('task', 'job.queued', { n: 1 });
      const claimed = await as('worker').post(`${base}/engine/tasks/claim`, {
        workerId: 'w1',
        kinds: ['job'],
      });
      expect(claimed.body).toMatchObject({ id: task.id, status: 'running', workerId: 'w1' });

      // No body: cancelled without a reason.
      const res = await t.api.request('POST', `${base}/engine/tasks/${task.id}/cancel`);
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({ status: 'cancelled', error: 'no reason given', leaseUntil: null });

      const calls = [
        ['heartbeat', { workerId: 'w1', leaseMs: 5000 }],
        ['complete', { workerId: 'w1', output: { done: true } }],
        ['fail', { workerId: 'w1', error: 'gave up' }],
      ] as const;
      for (const [call, body] of calls) {
        const refused = await as('worker').post(`${base}/engine/tasks/${task.id}/${call}`, body);
        expect(refused.status, call).toBe(409);
        expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(refused.body, call).toMatchObject({
          code: 'EH_ENGINE_CANCELLED',
          detail: `Task ${task.id} was cancelled: no reason given`,
        });
      }
      expect((await t.api.get(`${base}/engine/tasks/${task.id}`)).body).toMatchObject({
        status: 'cancelled',
        output: null,
        error: 'no reason given',
        executionCount: 1,
      });
      expect((await cleanUpOf(task.id)).input).toMatchObject({
        source: 'system:tasks',
        type: 'task.cancelled',
        data: { status: 'CANCELLED', executionCount: 1 },
      });
    });

    it('a finished one is a 409 naming its status; a cancelled one is answered as it is; an unknown one 404', async () => {
      const task = await started('task', 'job.queued', { n: 2 });
      await as('worker').post(`${base}/engine/tasks/claim`, { workerId: 'w2', kinds: ['job'] });
      const done = await as('worker').post(`${base}/engine/tasks/${task.id}/complete`, {
        workerId: 'w2',
        output: 7,
      });
      expect(done.body.status).toBe('completed');
      const late = await as('member').post(`${base}/engine/tasks/${task.id}/cancel`, { reason: 'too late' });
      expect(late.status).toBe(409);
      expect(late.body).toMatchObject({
        code: 'EH_ENGINE_FINISHED',
        detail: `Task ${task.id} is already completed: only a pending or running one can be cancelled`,
      });
      expect((await t.api.get(`${base}/engine/tasks/${task.id}`)).body).toMatchObject({
        status: 'completed',
        output: 7,
      });

      const wf = await started('workflow', 'order.placed', { order: 'o-2' });
      const first = await as('member').post(`${base}/engine/workflows/${wf.id}/cancel`, { reason: 'first' });
      const second = await as('member').post(`${base}/engine/workflows/${wf.id}/cancel`, {
        reason: 'second',
      });
      expect(second.status).toBe(200);
      expect(second.body).toEqual(first.body);

      const unknown = await as('member').post(`${base}/engine/workflows/wf_nope/cancel`, {});
      expect(unknown.status).toBe(404);
      expect(unknown.body).toMatchObject({
        code: 'EH_ENGINE_NOT_FOUND',
        detail: 'Workflow wf_nope was not found',
      });
      // As GET answers it.
      expect((await t.api.get(`${base}/engine/workflows/wf_nope`)).body.code).toBe('EH_ENGINE_NOT_FOUND');
    });

    it('rejects a cancelled workflow’s pending promises: its await answers at once; a later resolve changes nothing', async () => {
      const wf = await started('workflow', 'order.placed', { order: 'o-4' });
      const promises: Record<'a' | 'b' | 'paid', { id: string }> = {
        a: { id: '' },
        b: { id: '' },
        paid: { id: '' },
      };
      for (const name of ['a', 'b', 'paid'] as const) {
        const res = await as('worker').post(`${base}/engine/promises`, {
          key: `payment:o-4-${name}`,
          workflowId: wf.id,
        });
        expect(res.status, res.text).toBe(201);
        promises[name] = res.body;
      }
      /** The action the rule on payment.succeeded ran for `payment`, once it ended. */
      const paid = async (payment: string) => {
        const sent = await t.api.post(`${base}/events`, { type: 'payment.succeeded', data: { payment } });
        expect(sent.status, sent.text).toBe(200);
        return eventually(
          async () => {
            const e = await t.api.get(`${base}/events/${sent.body.eventId}`);
            return e.body.actions?.[0]?.status === 'succeeded' ? e.body.actions[0] : undefined;
          },
          10_000,
          `the promise action of ${payment}`,
        );
      };
      expect((await paid('o-4-paid')).result).toEqual({ promiseId: promises.paid.id, settled: true });
      const paidBefore = (await t.api.get(`${base}/engine/promises/${promises.paid.id}`)).body;
      expect(paidBefore).toMatchObject({ status: 'resolved', value: { payment: 'o-4-paid' } });

      // A long-poll started before the cancellation, with time to reach the server and wait.
      const waiting = as('worker').get(`${base}/engine/promises/key:payment:o-4-a/await?timeoutMs=30000`);
      await new Promise((r) => setTimeout(r, 300));
      const cancelled = await as('member').post(`${base}/engine/workflows/${wf.id}/cancel`, {
        reason: 'order withdrawn',
      });
      expect(cancelled.status, cancelled.text).toBe(200);
      const cancelledAt = Date.now();
      const error = `Workflow ${wf.id} was cancelled: order withdrawn`;
      const awaited = await waiting;
      expect(Date.now() - cancelledAt).toBeLessThan(5_000);
      expect(awaited.status, awaited.text).toBe(200);
      expect(awaited.body).toMatchObject({ id: promises.a.id, status: 'rejected', error, value: null });

      const listed = (await t.api.get(`${base}/engine/promises?workflowId=${wf.id}`)).body.items;
      const byId = new Map(listed.map((p: { id: string }) => [p.id, p]));
      for (const name of ['a', 'b'] as const)
        expect(byId.get(promises[name].id)).toMatchObject({
          status: 'rejected',
          error,
          settledAt: awaited.body.settledAt,
        });
      expect(byId.get(promises.paid.id)).toEqual(paidBefore);

      // Two promise.rejected, in the correlation and trace of the workflow.cancelled stored with them.
      const lifecycle = await eventually(
        async () => {
          const items = (
            await t.api.get(`${base}/events?source=system:promises&limit=200`)
          ).body.items?.filter(
            (e: { type: string; data: { workflowId?: string } }) =>
              e.type === 'promise.rejected' && e.data.workflowId === wf.id,
          );
          return items?.length === 2 ? items : undefined;
        },
        10_000,
        'the promise.rejected events',
      );
      const cancelEvent = (
        await t.api.get(`${base}/events?type=workflow.cancelled&limit=200`)
      ).body.items.find((e: { subject: string }) => e.subject === wf.id);
      expect(cancelEvent).toBeDefined();
      expect(lifecycle.map((e: { subject: string }) => e.subject).sort()).toEqual(
        [promises.a.id, promises.b.id].sort(),
      );
      for (const e of lifecycle)
        expect(e).toMatchObject({
          data: { status: 'REJECTED', workflowId: wf.id, error },
          correlationId: cancelEvent.correlationId,
          traceparent: cancelEvent.traceparent,
        });

      // The payment arrives after all: settled already, the action succeeds changing nothing.
      expect((await paid('o-4-a')).result).toEqual({ promiseId: promises.a.id, settled: false });
      expect((await t.api.get(`${base}/engine/promises/${promises.a.id}`)).body).toEqual(awaited.body);
    });

    it('refuses a worker or publisher key (403) and an invalid reason (400), changing nothing', async () => {
      const wf = await started('workflow', 'order.placed', { order: 'o-3' });
      for (const role of ['worker', 'publisher'] as const) {
        const res = await as(role).post(`${base}/engine/workflows/${wf.id}/cancel`, { reason: 'mine' });
        expect(res.status, role).toBe(403);
        expect(res.body).toMatchObject({
          code: 'EH_AUTH_FORBIDDEN',
          detail: `The ${role} role may not cancel workflows and tasks`,
        });
      }
      for (const body of [{ reason: '' }, { reason: 'x'.repeat(10_001) }, { reason: 'ok', force: true }]) {
        const res = await as('member').post(`${base}/engine/workflows/${wf.id}/cancel`, body);
        expect(res.status, JSON.stringify(body).slice(0, 40)).toBe(400);
      }
      expect((await t.api.get(`${base}/engine/workflows/${wf.id}`)).body.status).toBe('pending');
    });

    it('lets a member key read one promise (by id or key) but not create or await one, and a worker key read it too', async () => {
      const wf = await started('workflow', 'order.placed', { order: 'o-5' });
      const made = await as('worker').post(`${base}/engine/promises`, {
        key: 'payment:o-5',
        workflowId: wf.id,
      });
      expect(made.status, made.text).toBe(201);
      const { created: _created, ...promise } = made.body;
      for (const ref of [promise.id, 'key:payment:o-5']) {
        const res = await as('member').get(`${base}/engine/promises/${ref}`);
        expect(res.status, res.text).toBe(200);
        expect(res.body).toEqual(promise);
      }
      expect((await as('member').get(`${base}/engine/promises/prm_nope`)).status).toBe(404);

      const refused = [
        await as('member').get(`${base}/engine/promises/${promise.id}/await?timeoutMs=0`),
        await as('member').post(`${base}/engine/promises`, { key: 'payment:o-5-member' }),
      ];
      for (const res of refused)
        expect(res.body).toMatchObject({
          status: 403,
          code: 'EH_AUTH_FORBIDDEN',
          detail: 'The member role may not use the engine worker API',
        });
      // A worker key reads it as it always could (its workflow waits on it), though it may not list promises.
      const read = await as('worker').get(`${base}/engine/promises/${promise.id}`);
      expect(read.status, read.text).toBe(200);
      expect(read.body).toEqual(promise);
      expect((await as('worker').get(`${base}/engine/promises?workflowId=${wf.id}`)).status).toBe(403);
      expect((await t.api.get(`${base}/engine/promises?workflowId=${wf.id}`)).body.items).toEqual([promise]);
    });
  });
}
