// An engine action (workflow, task, promise target) that dies stores action.dead, as a dead webhook action stores
// delivery.dead, so a rule can alert on it: with the local engine and with Flovyn (the fake server in test helpers).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendAvailable, BACKENDS, eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { FakeFlovyn } from '../helpers/fake-flovyn.js';
import { settledActions } from '../helpers/outbound.js';

const base = '/api/orgs/default/eventhook';
const TOKEN = 'flovyn_sk_dead_letters';

async function rule(
  t: TestApp,
  name: string,
  type: string,
  target: Record<string, unknown>,
): Promise<string> {
  const r = await t.api.post(`${base}/rules`, { name, pattern: { type: [type] }, targets: [target] });
  expect(r.status, r.text).toBe(201);
  return r.body.id as string;
}

async function publish(t: TestApp, type: string, data: Record<string, unknown>): Promise<string> {
  const r = await t.api.post(`${base}/events`, { type, data, correlationid: `corr-${type}` });
  expect(r.status, r.text).toBe(200);
  return r.body.eventId as string;
}

/** The action.dead events of one causing event, once there are `count`. */
async function deadEventsOf(t: TestApp, eventId: string, count = 1): Promise<any[]> {
  return eventually(
    async () => {
      const r = await t.api.get(`${base}/events?type=action.dead&limit=100`);
      const mine = (r.body.items as any[]).filter((e) => e.data.eventId === eventId);
      return mine.length === count ? mine : undefined;
    },
    15_000,
    `action.dead of ${eventId}`,
  );
}

for (const backend of BACKENDS) {
  const available = await backendAvailable(backend);
  describe.skipIf(!available)(`engine dead letters, local engine — ${backend}`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(backend);
      // The alert a user would write: every dead action becomes a task for whoever is on call.
      await rule(t, 'alert-on-dead', 'action.dead', { type: 'task', kind: 'page-on-call' });
    });
    afterAll(async () => t?.close());

    it('a promise target that uses up its attempts stores action.dead (exhausted), and a rule routes it', async () => {
      const ruleId = await rule(t, 'settle-missing', 'payment.late', {
        type: 'promise',
        mode: 'resolve',
        promise: "join('', ['key:', data.key])",
        retry: { maxAttempts: 2, schedule: ['50ms'] },
      });
      const eventId = await publish(t, 'payment.late', { key: 'nobody-waits' });
      const [action] = await settledActions(t, eventId, 1);
      expect(action).toMatchObject({ status: 'dead', attemptCount: 2 });
      const [dead] = await deadEventsOf(t, eventId);
      expect(dead).toMatchObject({
        source: 'system:eventhook',
        subject: 'promise',
        correlationId: 'corr-payment.late',
        data: {
          actionId: action.id,
          eventId,
          ruleId,
          targetType: 'promise',
          kind: null,
          attemptCount: 2,
          attempts: 2,
          reason: 'exhausted',
          error: 'Promise key:nobody-waits was not found',
          statusCode: null,
        },
      });
      const page = await eventually(async () => {
        const r = await t.api.get(`${base}/engine/tasks?kind=page-on-call`);
        return (r.body.items as any[]).find((x) => x.input.id === dead.id);
      });
      expect(page.input).toMatchObject({ type: 'action.dead', data: { actionId: action.id } });
    });

    it('a workflow target that fails for good stores action.dead (failed) at once', async () => {
      // Two rules sharing a business key: the second start names another kind's execution, a conflict.
      await rule(t, 'first-kind', 'order.shared-key', {
        type: 'workflow',
        kind: 'process-order',
        idempotencyKey: 'data.orderId',
      });
      const eventId = await publish(t, 'order.shared-key', { orderId: 'o-1' });
      await settledActions(t, eventId, 1);
      const ruleId = await rule(t, 'second-kind', 'order.shared-key', {
        type: 'workflow',
        kind: 'audit-order',
        idempotencyKey: 'data.orderId',
      });
      const again = await publish(t, 'order.shared-key', { orderId: 'o-1' });
      const actions = await settledActions(t, again, 2);
      const dying = actions.find((a) => a.ruleId === ruleId);
      expect(dying).toMatchObject({ status: 'dead', attemptCount: 1 });
      const [dead] = await deadEventsOf(t, again);
      expect(dead).toMatchObject({
        subject: 'workflow',
        data: {
          actionId: dying.id,
          targetType: 'workflow',
          kind: 'audit-order',
          attemptCount: 1,
          attempts: 1,
          reason: 'failed',
        },
      });
      expect(dead.data.error).toContain('of kind process-order, not audit-order');
    });

    it('an engine action born dead (its rule’s filter threw) stores action.dead with no attempts', async () => {
      const r = await t.api.post(`${base}/rules`, {
        name: 'adults-only',
        pattern: { type: ['signup.done'] },
        filter: 'function filter(e) { return e.data.profile.age > 18; }',
        targets: [{ type: 'task', kind: 'welcome-adult' }],
      });
      expect(r.status, r.text).toBe(201);
      const eventId = await publish(t, 'signup.done', {});
      const [dead] = await deadEventsOf(t, eventId);
      expect(dead.data).toMatchObject({
        ruleId: r.body.id,
        targetType: 'task',
        kind: 'welcome-adult',
        attemptCount: 0,
        attempts: 0,
        reason: 'failed',
        statusCode: null,
      });
      expect(dead.data.error).toMatch(/^filter failed/);
    });

    it('a succeeded engine action stores none', async () => {
      await rule(t, 'fine', 'order.fine', { type: 'task', kind: 'fine-task' });
      const eventId = await publish(t, 'order.fine', {});
      const [action] = await settledActions(t, eventId, 1);
      expect(action.status).toBe('succeeded');
      const r = await t.api.get(`${base}/events?type=action.dead&limit=100`);
      expect((r.body.items as any[]).filter((e) => e.data.eventId === eventId)).toEqual([]);
    });
  });
}

describe('engine dead letters, Flovyn', () => {
  let flovyn: FakeFlovyn;
  let t: TestApp;
  beforeAll(async () => {
    flovyn = await new FakeFlovyn(TOKEN, ['default']).start();
    t = await startTestApp('sqlite', {
      env: flovyn.engineEnv(),
    });
  });
  afterAll(async () => {
    await t?.close();
    await flovyn?.close();
  });

  it('a start Flovyn refuses stores action.dead with Flovyn’s status', async () => {
    await rule(t, 'refused', 'order.refused', { type: 'workflow', kind: 'refused-flow' });
    flovyn.failNext(1, { status: 400, body: { error: 'input too large' } });
    const eventId = await publish(t, 'order.refused', {});
    const [action] = await settledActions(t, eventId, 1);
    expect(action.status).toBe('dead');
    const [dead] = await deadEventsOf(t, eventId);
    expect(dead).toMatchObject({
      subject: 'workflow',
      data: { targetType: 'workflow', kind: 'refused-flow', reason: 'failed', statusCode: 400 },
    });
    expect(dead.data.error).toContain('input too large');
  });

  it('a promise Flovyn does not know stores action.dead with its 404 and Flovyn’s reason', async () => {
    await rule(t, 'settle-unknown', 'payment.unknown', {
      type: 'promise',
      mode: 'resolve',
      promise: "join('', ['key:', data.key])",
      retry: { maxAttempts: 1 },
    });
    const eventId = await publish(t, 'payment.unknown', { key: 'flvrev-nobody' });
    const [action] = await settledActions(t, eventId, 1);
    expect(action).toMatchObject({ status: 'dead', attemptCount: 1 });
    const [dead] = await deadEventsOf(t, eventId);
    expect(dead.data).toMatchObject({
      targetType: 'promise',
      reason: 'exhausted',
      statusCode: 404,
      error: 'Promise key:flvrev-nobody was not found: Flovyn answered 404: Promise not found',
    });
  });

  it('a task start that keeps failing stores action.dead (exhausted) with the last status', async () => {
    await rule(t, 'unavailable', 'order.unavailable', {
      type: 'task',
      kind: 'flaky-task',
      retry: { maxAttempts: 2, schedule: ['50ms'] },
    });
    flovyn.failNext(2, { status: 503, body: { error: 'down for maintenance' } });
    const eventId = await publish(t, 'order.unavailable', {});
    const [action] = await settledActions(t, eventId, 1);
    expect(action).toMatchObject({ status: 'dead', attemptCount: 2 });
    const [dead] = await deadEventsOf(t, eventId);
    expect(dead.data).toMatchObject({
      targetType: 'task',
      kind: 'flaky-task',
      attemptCount: 2,
      attempts: 2,
      reason: 'exhausted',
      statusCode: 503,
    });
  });
});
