// Idempotency keys of workflow and task targets, with either engine: a replay with fresh keys starts a new execution
// even when the target has its own key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendAvailable, BACKENDS, eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { FakeFlovyn } from '../helpers/fake-flovyn.js';
import { createRule, settledActions } from '../helpers/outbound.js';

const base = '/api/orgs/default/eventhook';
const TOKEN = 'flovyn_sk_keys_token';

async function replay(t: TestApp, eventId: string, fresh: boolean): Promise<void> {
  const r = await t.api.post(`${base}/events/${eventId}/replay`, fresh ? { newIdempotencyKeys: true } : {});
  expect(r.status).toBe(202);
}

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`engine keys, local engine — ${backend}`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(backend);
      await createRule(
        t,
        'order-workflow',
        ['order.placed', 'order.shared'],
        [{ type: 'workflow', kind: 'process-order', idempotencyKey: 'data.orderId' }],
      );
      await createRule(t, 'settle-workflow', 'order.settled', [
        { type: 'workflow', kind: 'settle-order', idempotencyKey: 'data.orderId' },
      ]);
      await createRule(t, 'audit-workflow', 'order.shared', [
        { type: 'workflow', kind: 'audit-order', idempotencyKey: 'data.orderId' },
      ]);
      await createRule(t, 'traced-workflow', 'order.traced', [{ type: 'workflow', kind: 'trace-order' }]);
    });
    afterAll(async () => t?.close());

    it('the workflow and its lifecycle events keep the causing event’s correlation id and trace', async () => {
      const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      const ev = await t.api.post(`${base}/events`, {
        type: 'order.traced',
        correlationid: 'corr-abc',
        traceparent,
        data: { orderId: 'o-trace' },
      });
      const [a] = await settledActions(t, ev.body.eventId, 1);
      const wf = await t.api.get(`${base}/engine/workflows/${a.result.workflowId}`);
      expect(wf.body).toMatchObject({ correlationId: 'corr-abc', traceparent });
      const claimed = await t.api.post(`${base}/engine/workflows/claim`, {
        workerId: 'w-trace',
        kinds: ['trace-order'],
      });
      expect(claimed.body.id).toBe(a.result.workflowId);
      await t.api.post(`${base}/engine/workflows/${a.result.workflowId}/complete`, {
        workerId: 'w-trace',
        output: {},
      });
      const lifecycle = await eventually(async () => {
        const r = await t.api.get(`${base}/events?source=system:workflows&limit=100`);
        const mine = (r.body.items as any[]).filter((e) => e.subject === a.result.workflowId);
        return mine.length === 3 ? mine : undefined;
      });
      expect(lifecycle.map((e) => e.type).sort()).toEqual([
        'workflow.completed',
        'workflow.created',
        'workflow.started',
      ]);
      for (const e of lifecycle) expect(e).toMatchObject({ correlationId: 'corr-abc', traceparent });

      // Without a correlation id, the causing event's id correlates, as before.
      const plain = await t.api.post(`${base}/events`, { type: 'order.traced', data: {} });
      const [b] = await settledActions(t, plain.body.eventId, 1);
      const wf2 = await t.api.get(`${base}/engine/workflows/${b.result.workflowId}`);
      expect(wf2.body).toMatchObject({ correlationId: plain.body.eventId, traceparent: null });
    });

    it('a replay with fresh keys starts a new workflow even when the target has its own key', async () => {
      const ev = await t.api.post(`${base}/events`, { type: 'order.placed', data: { orderId: 'o-fresh' } });
      const [first] = await settledActions(t, ev.body.eventId, 1);
      expect(first.result.created).toBe(true);

      await replay(t, ev.body.eventId, false);
      const plain = (await settledActions(t, ev.body.eventId, 2))[1];
      expect(plain.result).toEqual({ workflowId: first.result.workflowId, created: false });

      await replay(t, ev.body.eventId, true);
      const fresh = (await settledActions(t, ev.body.eventId, 3))[2];
      expect(fresh.result.created).toBe(true);
      expect(fresh.result.workflowId).not.toBe(first.result.workflowId);

      // Each fresh replay is a new route, so it starts again.
      await replay(t, ev.body.eventId, true);
      const again = (await settledActions(t, ev.body.eventId, 4))[3];
      expect(again.result.created).toBe(true);
      expect(new Set([first, fresh, again].map((a) => a.result.workflowId)).size).toBe(3);
    });

    it('a key another kind holds fails the second rule visibly instead of skipping its workflow', async () => {
      const ev = await t.api.post(`${base}/events`, { type: 'order.shared', data: { orderId: 'o-shared' } });
      const actions = await settledActions(t, ev.body.eventId, 2);
      const won = actions.find((a) => a.status === 'succeeded');
      const lost = actions.find((a) => a.status === 'dead');
      expect(won?.result.created).toBe(true);
      expect(lost?.lastError).toMatch(/already names workflow wf_\w+ of kind (process|audit)-order, not/);
      expect(lost?.lastError).toContain(won.result.workflowId);
    });

    it('a failed workflow frees its key (a replay starts a new one); a completed one keeps it', async () => {
      const claimAnd = async (orderId: string, outcome: 'fail' | 'complete') => {
        const ev = await t.api.post(`${base}/events`, { type: 'order.settled', data: { orderId } });
        const [a] = await settledActions(t, ev.body.eventId, 1);
        const claimed = await t.api.post(`${base}/engine/workflows/claim`, {
          workerId: 'w-keys',
          kinds: ['settle-order'],
        });
        expect(claimed.body.id).toBe(a.result.workflowId);
        const done = await t.api.post(
          `${base}/engine/workflows/${a.result.workflowId}/${outcome}`,
          outcome === 'fail' ? { workerId: 'w-keys', error: 'boom' } : { workerId: 'w-keys', output: {} },
        );
        expect(done.status).toBe(200);
        await replay(t, ev.body.eventId, false);
        const [, b] = await settledActions(t, ev.body.eventId, 2);
        return { a, b };
      };

      const completed = await claimAnd('o-completed', 'complete');
      expect(completed.b.result).toEqual({ workflowId: completed.a.result.workflowId, created: false });

      const failed = await claimAnd('o-failed', 'fail');
      expect(failed.b.result.created).toBe(true);
      expect(failed.b.result.workflowId).not.toBe(failed.a.result.workflowId);
      const old = await t.api.get(`${base}/engine/workflows/${failed.a.result.workflowId}`);
      expect(old.body).toMatchObject({ status: 'failed', idempotencyKey: null });
      const fresh = await t.api.get(`${base}/engine/workflows/${failed.b.result.workflowId}`);
      expect(fresh.body).toMatchObject({ status: 'pending', idempotencyKey: 'o-failed' });
    });
  });
}

describe('engine keys, Flovyn engine', () => {
  let t: TestApp;
  let flovyn: FakeFlovyn;
  beforeAll(async () => {
    flovyn = await new FakeFlovyn(TOKEN, ['default']).start();
    t = await startTestApp('sqlite', {
      env: flovyn.engineEnv(),
    });
    await createRule(t, 'order-workflow', 'order.placed', [
      { type: 'workflow', kind: 'process-order', idempotencyKey: 'data.orderId' },
    ]);
    await createRule(t, 'audit-workflow', 'order.shared', [
      { type: 'workflow', kind: 'audit-order', idempotencyKey: 'data.orderId' },
    ]);
  });
  afterAll(async () => {
    await t?.close();
    await flovyn?.close();
  });

  const keysSent = () =>
    flovyn.calls.filter((c) => c.path.endsWith('/workflow-executions')).map((c) => c.body.idempotencyKey);

  it('a replay with fresh keys sends Flovyn a new key even when the target has its own', async () => {
    const ev = await t.api.post(`${base}/events`, { type: 'order.placed', data: { orderId: 'o-9' } });
    const eventId = ev.body.eventId as string;
    const [first] = await settledActions(t, eventId, 1);
    expect(first.result.created).toBe(true);
    await replay(t, eventId, false);
    expect((await settledActions(t, eventId, 2))[1].result.created).toBe(false);
    await replay(t, eventId, true);
    const fresh = (await settledActions(t, eventId, 3))[2];
    expect(fresh.result.created).toBe(true);
    expect(fresh.result.workflowId).not.toBe(first.result.workflowId);
    const keys = keysSent();
    expect(keys.slice(0, 2)).toEqual(['o-9', 'o-9']);
    expect(keys[2]).toMatch(new RegExp(`^o-9:${eventId}:\\d+$`));
  });

  it('a key Flovyn holds for another kind fails the second rule visibly', async () => {
    // Flovyn keeps workflow keys per org: the second start is answered 200 with the first kind's execution.
    const ev = await t.api.post(`${base}/events`, { type: 'order.shared', data: { orderId: 'o-shared' } });
    const actions = await settledActions(t, ev.body.eventId, 1);
    expect(actions[0].result.created).toBe(true);
    const other = await t.api.post(`${base}/events`, { type: 'order.placed', data: { orderId: 'o-shared' } });
    const [dead] = await settledActions(t, other.body.eventId, 1);
    expect(dead.status).toBe('dead');
    expect(dead.lastError).toContain(
      `already names workflow ${actions[0].result.workflowId} of kind audit-order`,
    );
  });
});
