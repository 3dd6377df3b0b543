// A workflow's promises over the HTTP API, on both stores: a workflow that completes or fails for good rejects its
// pending promises (their awaits answer at once, a promise.rejected each in the workflow's correlation); a new
// promise needs a pending or running workflow of the org (404 for an unknown id or a task's, 409 once it ended),
// while a key made again after the end answers the promise it names.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendAvailable, BACKENDS, eventually, startTestApp, type TestApp } from '../helpers/app.js';

const base = '/api/orgs/default/eventhook';

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`a workflow's promises over HTTP — ${backend}`, () => {
    let t: TestApp;
    let workerKey = '';
    const worker = () => t.api.as(workerKey);

    beforeAll(async () => {
      t = await startTestApp(backend);
      const key = await t.api.post('/api/orgs/default/api-keys', { name: 'worker', role: 'worker' });
      expect(key.status, key.text).toBe(201);
      workerKey = key.body.key;
      for (const rule of [
        {
          name: 'flow',
          pattern: { type: ['flow.started'] },
          targets: [{ type: 'workflow', kind: 'flow', idempotencyKey: "join(':', ['flow', data.n])" }],
        },
        { name: 'job', pattern: { type: ['job.queued'] }, targets: [{ type: 'task', kind: 'job' }] },
      ]) {
        const res = await t.api.post(`${base}/rules`, rule);
        expect(res.status, res.text).toBe(201);
      }
    });
    afterAll(async () => t?.close());

    /** Sends `type` and claims the execution its rule made, as worker w1. */
    async function claimed(kind: 'workflow' | 'task', type: string, data: object) {
      const sent = await t.api.post(`${base}/events`, { type, data });
      expect(sent.status, sent.text).toBe(200);
      const res = await worker().post(`${base}/engine/${kind}s/claim`, {
        workerId: 'w1',
        kinds: [kind === 'workflow' ? 'flow' : 'job'],
        waitMs: 10_000,
      });
      expect(res.status, res.text).toBe(200);
      expect(res.body.input.id).toBe(sent.body.eventId);
      return res.body as { id: string };
    }
    const createPromise = (key: string, workflowId?: string) =>
      worker().post(`${base}/engine/promises`, { key, ...(workflowId === undefined ? {} : { workflowId }) });
    /** The promise.rejected events of `workflowId`'s promises, once there are `n`. */
    const rejectedEvents = (workflowId: string, n: number) =>
      eventually(
        async () => {
          const items = (
            await t.api.get(`${base}/events?type=promise.rejected&limit=200`)
          ).body.items?.filter((e: { data: { workflowId?: string } }) => e.data.workflowId === workflowId);
          return items?.length === n ? items : undefined;
        },
        10_000,
        `the promise.rejected events of ${workflowId}`,
      );

    for (const end of ['complete', 'fail'] as const)
      it(`a workflow’s ${end} rejects its pending promises, ending an await on one`, async () => {
        const wf = await claimed('workflow', 'flow.started', { n: `${end}-1` });
        const made = [];
        for (const name of ['a', 'b']) {
          const res = await createPromise(`${end}:${name}`, wf.id);
          expect(res.status, res.text).toBe(201);
          made.push(res.body);
        }
        const waiting = worker().get(`${base}/engine/promises/key:${end}:a/await?timeoutMs=30000`);
        await new Promise((r) => setTimeout(r, 300));
        const ended = await worker().post(
          `${base}/engine/workflows/${wf.id}/${end}`,
          end === 'complete'
            ? { workerId: 'w1', output: { ok: true } }
            : { workerId: 'w1', error: 'card declined' },
        );
        expect(ended.status, ended.text).toBe(200);
        expect(ended.body.status).toBe(end === 'complete' ? 'completed' : 'failed');
        const endedAt = Date.now();
        const error =
          end === 'complete'
            ? `Workflow ${wf.id} completed before the promise was settled`
            : `Workflow ${wf.id} failed: card declined`;
        const awaited = await waiting;
        expect(Date.now() - endedAt).toBeLessThan(5_000);
        expect(awaited.status, awaited.text).toBe(200);
        expect(awaited.body).toMatchObject({ id: made[0].id, status: 'rejected', error, value: null });
        const other = await t.api.get(`${base}/engine/promises/${made[1].id}`);
        expect(other.body).toMatchObject({ status: 'rejected', error });

        const events = await rejectedEvents(wf.id, 2);
        const endEvent = (
          await t.api.get(
            `${base}/events?type=workflow.${end === 'complete' ? 'completed' : 'failed'}&limit=200`,
          )
        ).body.items.find((e: { subject: string }) => e.subject === wf.id);
        expect(endEvent).toBeDefined();
        for (const e of events)
          expect(e).toMatchObject({
            source: 'system:promises',
            data: { status: 'REJECTED', workflowId: wf.id, error },
            correlationId: endEvent.correlationId,
            traceparent: endEvent.traceparent,
          });
      });

    it('a new promise needs a workflow of the org: 404 for an unknown id or a task’s, 201 while it runs', async () => {
      const task = await claimed('task', 'job.queued', { n: 1 });
      for (const id of ['wf_nope', task.id]) {
        const res = await createPromise(`nf:${id}`, id);
        expect(res.status, res.text).toBe(404);
        expect(res.body).toMatchObject({
          code: 'EH_ENGINE_NOT_FOUND',
          detail: `Workflow ${id} was not found`,
        });
      }
      const wf = await claimed('workflow', 'flow.started', { n: 'live-1' });
      const made = await createPromise('live:a', wf.id);
      expect(made.status, made.text).toBe(201);
      expect(made.body).toMatchObject({ status: 'pending', workflowId: wf.id, created: true });
    });

    it('an ended workflow gets no new promise (409); its key made again answers the promise as the end left it', async () => {
      const wf = await claimed('workflow', 'flow.started', { n: 'ended-1' });
      const made = await createPromise('ended:a', wf.id);
      expect(made.status, made.text).toBe(201);
      const done = await worker().post(`${base}/engine/workflows/${wf.id}/complete`, {
        workerId: 'w1',
        output: 1,
      });
      expect(done.status, done.text).toBe(200);

      const refused = await createPromise('ended:b', wf.id);
      expect(refused.status, refused.text).toBe(409);
      expect(refused.body).toMatchObject({
        code: 'EH_ENGINE_WORKFLOW_ENDED',
        detail: `Workflow ${wf.id} is already completed: a promise can only be created for a pending or running workflow`,
      });
      expect((await t.api.get(`${base}/engine/promises/key:ended:b`)).status).toBe(404);

      const again = await createPromise('ended:a', wf.id);
      expect(again.status, again.text).toBe(200);
      expect(again.body).toMatchObject({
        id: made.body.id,
        status: 'rejected',
        error: `Workflow ${wf.id} completed before the promise was settled`,
        created: false,
      });
    });
  });
}
