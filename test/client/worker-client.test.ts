// The worker client against a real server: a webhook starts a workflow, the client's handler runs it, and a
// promise it awaits is resolved by a published event; an execution cancelled while it runs is dropped, not failed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutionCancelledError, WorkerClient } from '../../src/client/index.js';
import { eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { capturedLogger } from '../helpers/logs.js';

describe('WorkerClient', () => {
  let t: TestApp;
  let worker: WorkerClient;
  const base = '/api/orgs/default/eventhook';
  // Info, for the line Fastify logs as each request arrives.
  const log = capturedLogger('info');
  beforeAll(async () => {
    t = await startTestApp('sqlite', { logger: log.logger });
    const key = (await t.api.post('/api/orgs/default/api-keys', { name: 'worker', role: 'worker' })).body.key;
    worker = new WorkerClient({ url: t.url, org: 'default', key, workerId: 'w-test' });
    await t.api.post(`${base}/rules`, {
      name: 'orders',
      pattern: { type: ['order.created'] },
      targets: [{ type: 'workflow', kind: 'fulfil', input: { jmespath: 'data' } }],
    });
    await t.api.post(`${base}/rules`, {
      name: 'paid',
      pattern: { type: ['order.paid'] },
      targets: [
        {
          type: 'promise',
          mode: 'resolve',
          promise: "join('', ['key:paid:', data.order])",
          value: 'data.amount',
        },
      ],
    });
  });
  afterAll(async () => t?.close());

  /** The requests the server got on `path` (from the line it logs as each arrives). */
  const requestsTo = (path: string) =>
    log.lines.filter((l) => l.msg === 'incoming request' && (l.req as { url: string }).url.endsWith(path))
      .length;

  it('a claim long-polls: it waits up to waitMs for work, and takes what arrives meanwhile', async () => {
    const claim = (waitMs: number) =>
      t.api.post(`${base}/engine/tasks/claim`, { workerId: 'w-poll', kinds: ['poll-me'], waitMs });
    const started = Date.now();
    const idle = await claim(1_500);
    expect(idle.status).toBe(204);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);

    const claimsArrived = () =>
      log.lines.filter(
        (l) => l.msg === 'incoming request' && (l.req as { url: string }).url.endsWith('/engine/tasks/claim'),
      ).length;
    const before = claimsArrived();
    const waiting = claim(10_000);
    // Once the claim is on the server, its first look finds nothing: the work it takes is made after, by two more
    // requests and a routing pass.
    await eventually(
      async () => claimsArrived() > before || undefined,
      5_000,
      'the claim to reach the server',
    );
    const rule = await t.api.post(`${base}/rules`, {
      name: 'poll',
      pattern: { type: ['poll.me'] },
      targets: [{ type: 'task', kind: 'poll-me', input: { jmespath: 'data' } }],
    });
    expect(rule.status, rule.text).toBe(201);
    await t.api.post(`${base}/events`, { type: 'poll.me', data: { n: 1 } });
    const woken = await waiting;
    expect(woken.status).toBe(200);
    expect(woken.body).toMatchObject({ kind: 'poll-me', input: { n: 1 }, workerId: 'w-poll' });
  });

  it('runs workflows with a handler and awaits promises', async () => {
    const abort = new AbortController();
    const seen: unknown[] = [];
    const running = worker.run<{ order: string }, { shipped: boolean }>({
      kind: 'workflow',
      kinds: ['fulfil'],
      waitMs: 200,
      signal: abort.signal,
      handler: async (execution, context) => {
        seen.push(execution.input);
        const promiseId = await context.createPromise(`paid:${execution.input.order}`);
        expect(promiseId).toMatch(/^prm_/);
        // The workflow's own promise: its end would reject it.
        const made = await t.api.get(`${base}/engine/promises/${promiseId}`);
        expect(made.body).toMatchObject({ workflowId: execution.id, key: `paid:${execution.input.order}` });
        await t.api.post(`${base}/events`, {
          type: 'order.paid',
          data: { order: execution.input.order, amount: 42 },
        });
        const amount = await worker.awaitPromise<number>(`key:paid:${execution.input.order}`, 10_000);
        return { shipped: amount === 42 };
      },
    });
    await t.api.post(`${base}/events`, { type: 'order.created', data: { order: 'A-1' } });
    const done = await eventually(
      async () => (await t.api.get(`${base}/engine/workflows?kind=fulfil&status=completed`)).body.items[0],
    );
    abort.abort();
    await running;
    expect(seen).toEqual([{ order: 'A-1' }]);
    expect(done).toMatchObject({ output: { shipped: true }, workerId: 'w-test' });
  });

  it("rejects a workflow's promise the handler made when the workflow fails before it is settled", async () => {
    const abort = new AbortController();
    let promiseId: string | undefined;
    const running = worker.run<{ order: string }, never>({
      kind: 'workflow',
      kinds: ['fulfil'],
      waitMs: 200,
      signal: abort.signal,
      handler: async (execution, context) => {
        promiseId = await context.createPromise(`paid:${execution.input.order}`);
        throw new Error('out of stock');
      },
    });
    await t.api.post(`${base}/events`, { type: 'order.created', data: { order: 'B-1' } });
    const failed = await eventually(async () => {
      const items = (await t.api.get(`${base}/engine/workflows?kind=fulfil&status=failed`)).body
        .items as any[];
      return items.find((w) => w.input.order === 'B-1');
    });
    abort.abort();
    await running;
    // Nobody will wait on it any more: an awaiter learns so at once, with the workflow's error.
    await expect(worker.awaitPromise(promiseId!, 5_000)).rejects.toThrow(
      `Workflow ${failed.id} failed: out of stock`,
    );
  });

  it('drops an execution cancelled while its handler runs: the signal aborts, nothing is reported, the loop goes on', async () => {
    const rule = await t.api.post(`${base}/rules`, {
      name: 'slow',
      pattern: { type: ['slow.job'] },
      targets: [{ type: 'task', kind: 'slow', input: { jmespath: 'data' } }],
    });
    expect(rule.status, rule.text).toBe(201);
    const abort = new AbortController();
    const reasons: unknown[] = [];
    const cancelledOnServer = (id: string) =>
      eventually(async () => (await t.api.get(`${base}/engine/tasks/${id}`)).body.status === 'cancelled');
    const running = worker.run<{ n: number }, object>({
      kind: 'task',
      kinds: ['slow'],
      leaseMs: 1_000,
      waitMs: 200,
      signal: abort.signal,
      handler: async (execution, { signal }) => {
        if (execution.input.n === 3) return { ok: true };
        await cancelledOnServer(execution.id);
        // The first stops when told (its signal, at the next heartbeat); the second pays no heed and returns at
        // once, so its completion is what the server refuses.
        if (execution.input.n === 2) return { ignored: true };
        await new Promise((_, reject) => {
          if (signal.aborted) reject(signal.reason);
          signal.addEventListener('abort', () => reject(signal.reason));
        }).catch((err: unknown) => reasons.push(err));
        return { stopped: true };
      },
    });
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      await t.api.post(`${base}/events`, { type: 'slow.job', data: { n } });
      const task = await eventually(async () => {
        const items = (await t.api.get(`${base}/engine/tasks?kind=slow`)).body.items as any[];
        return items.find((x) => x.input.n === n && (n === 3 || x.status === 'running'));
      });
      ids.push(task.id);
      if (n < 3) {
        const res = await t.api.post(`${base}/engine/tasks/${task.id}/cancel`, { reason: `stop ${n}` });
        expect(res.status, res.text).toBe(200);
      }
    }
    const done = await eventually(async () => {
      const r = (await t.api.get(`${base}/engine/tasks/${ids[2]}`)).body;
      return r.status === 'completed' ? r : undefined;
    });
    abort.abort();
    await running;
    expect(done.output).toEqual({ ok: true });

    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBeInstanceOf(ExecutionCancelledError);
    expect((reasons[0] as Error).message).toBe(`Task ${ids[0]} was cancelled: stop 1`);
    for (const [i, id] of ids.slice(0, 2).entries()) {
      expect((await t.api.get(`${base}/engine/tasks/${id}`)).body).toMatchObject({
        status: 'cancelled',
        error: `stop ${i + 1}`,
        output: null,
      });
      // Not reported as a crash: the client never called fail on it.
      expect(requestsTo(`/tasks/${id}/fail`)).toBe(0);
    }
    // The second's completion reached the server and was refused; the first's was never sent.
    expect(requestsTo(`/tasks/${ids[0]}/complete`)).toBe(0);
    expect(requestsTo(`/tasks/${ids[1]}/complete`)).toBe(1);
  });
});
