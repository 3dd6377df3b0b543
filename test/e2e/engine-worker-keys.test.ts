// Two worker keys of one org, over the HTTP API, on both stores: an execution one key claimed answers only that key's
// heartbeat, completion and failure, even when the other sends the same workerId (a name the client picks), and the
// refusal is the one a wrong workerId gets, so it tells the other key nothing more. The operator token is a claimer
// of its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendAvailable, BACKENDS, startTestApp, type ApiClient, type TestApp } from '../helpers/app.js';

const base = '/api/orgs/default/eventhook';

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`worker keys hold their own executions — ${backend}`, () => {
    let t: TestApp;
    let a: ApiClient;
    let b: ApiClient;

    beforeAll(async () => {
      t = await startTestApp(backend);
      const key = async (name: string) => {
        const res = await t.api.post('/api/orgs/default/api-keys', { name, role: 'worker' });
        expect(res.status, res.text).toBe(201);
        return t.api.as(res.body.key as string);
      };
      a = await key('worker-a');
      b = await key('worker-b');
      for (const rule of [
        { name: 'flow', pattern: { type: ['flow.started'] }, targets: [{ type: 'workflow', kind: 'flow' }] },
        { name: 'job', pattern: { type: ['job.queued'] }, targets: [{ type: 'task', kind: 'job' }] },
      ]) {
        const res = await t.api.post(`${base}/rules`, rule);
        expect(res.status, res.text).toBe(201);
      }
    });
    afterAll(async () => t?.close());

    /** Sends `type` and claims the execution its rule made, with `as` and workerId w1. */
    async function claimed(as: ApiClient, kind: 'workflow' | 'task', type: string) {
      const sent = await t.api.post(`${base}/events`, { type, data: {} });
      expect(sent.status, sent.text).toBe(200);
      const res = await as.post(`${base}/engine/${kind}s/claim`, {
        workerId: 'w1',
        kinds: [kind === 'workflow' ? 'flow' : 'job'],
        waitMs: 10_000,
      });
      expect(res.status, res.text).toBe(200);
      expect(res.body.input.id).toBe(sent.body.eventId);
      return res.body as { id: string; leaseUntil: string };
    }

    const calls = {
      heartbeat: (workerId: string) => ({ workerId, leaseMs: 120_000 }),
      complete: (workerId: string) => ({ workerId, output: { by: 'intruder' } }),
      fail: (workerId: string) => ({ workerId, error: 'failed by another key' }),
    };

    for (const kind of ['workflow', 'task'] as const) {
      it(`another key's heartbeat, complete and fail of a ${kind} are refused as a wrong workerId is`, async () => {
        const type = kind === 'workflow' ? 'flow.started' : 'job.queued';
        const execution = await claimed(a, kind, type);
        const path = `${base}/engine/${kind}s/${execution.id}`;
        for (const [call, body] of Object.entries(calls)) {
          const wrongWorker = await a.post(`${path}/${call}`, body('w2'));
          expect(wrongWorker.status, wrongWorker.text).toBe(409);
          expect(wrongWorker.body.code).toBe('EH_ENGINE_LEASE_LOST');
          for (const other of [b, t.api]) {
            const res = await other.post(`${path}/${call}`, body('w1'));
            expect(res.status, `${call}: ${res.text}`).toBe(409);
            expect(res.headers.get('content-type')).toBe(wrongWorker.headers.get('content-type'));
            expect(res.body).toEqual(wrongWorker.body);
          }
        }
        // Nothing changed: still a's, its lease as the claim set it.
        const now = await t.api.get(path);
        expect(now.body).toMatchObject({
          status: 'running',
          workerId: 'w1',
          leaseUntil: execution.leaseUntil,
        });

        const beat = await a.post(`${path}/heartbeat`, calls.heartbeat('w1'));
        expect(beat.status, beat.text).toBe(200);
        const done = await a.post(`${path}/complete`, { workerId: 'w1', output: { by: 'a' } });
        expect(done.status, done.text).toBe(200);
        expect(done.body).toMatchObject({ status: 'completed', output: { by: 'a' } });
      });
    }

    it('each key fails its own claim; the operator token holds what it claimed itself', async () => {
      const ofB = await claimed(b, 'task', 'job.queued');
      const failed = await b.post(`${base}/engine/tasks/${ofB.id}/fail`, calls.fail('w1'));
      expect(failed.status, failed.text).toBe(200);
      // Back to pending for another run, held by nobody: the next claim, by whichever key, holds it.
      expect(failed.body).toMatchObject({ status: 'pending', workerId: null });
      const again = await a.post(`${base}/engine/tasks/claim`, { workerId: 'w1', kinds: ['job'] });
      expect(again.body).toMatchObject({ id: ofB.id, status: 'running' });
      expect((await b.post(`${base}/engine/tasks/${ofB.id}/heartbeat`, calls.heartbeat('w1'))).status).toBe(
        409,
      );
      expect((await a.post(`${base}/engine/tasks/${ofB.id}/complete`, calls.complete('w1'))).status).toBe(
        200,
      );

      const ofOperator = await claimed(t.api, 'workflow', 'flow.started');
      const path = `${base}/engine/workflows/${ofOperator.id}`;
      expect((await a.post(`${path}/complete`, calls.complete('w1'))).status).toBe(409);
      const done = await t.api.post(`${path}/complete`, { workerId: 'w1', output: null });
      expect(done.status, done.text).toBe(200);
    });
  });
}
