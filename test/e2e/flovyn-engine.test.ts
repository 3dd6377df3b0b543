// EVENTHOOK_ENGINE=flovyn end to end: rules start workflows, create tasks and settle promises on a Flovyn server (a
// local one that follows its REST contract), and Flovyn's lifecycle events, published on a real NATS server, come
// back as events that rules route.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOk, eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { FakeFlovyn } from '../helpers/fake-flovyn.js';
import { capturedLogger } from '../helpers/logs.js';
import { settledActions } from '../helpers/outbound.js';
import { createSource, githubPushHeaders } from '../helpers/ingest.js';
import { freePort, natsServerInstalled, PrivateNats } from '../helpers/nats-server.js';
import { tcpAvailable } from '../helpers/services.js';

const TOKEN = 'flovyn_sk_e2e_secret_token';
const SECRET = 'github-secret';
const base = '/api/orgs/default/eventhook';

describe('rules call a Flovyn server', () => {
  let t: TestApp;
  let flovyn: FakeFlovyn;

  beforeAll(async () => {
    flovyn = await new FakeFlovyn(TOKEN, ['acme']).start();
    t = await startTestApp('sqlite', {
      env: {
        EVENTHOOK_ENGINE: 'flovyn',
        // As Flovyn's docs write its base: the adapter adds /api/orgs itself.
        EVENTHOOK_FLOVYN_URL: `${flovyn.url}/api/orgs/`,
        EVENTHOOK_FLOVYN_TOKEN: TOKEN,
        EVENTHOOK_FLOVYN_ORGS: 'default=acme',
        EVENTHOOK_FLOVYN_TIMEOUT: '2s',
      },
    });
    await createSource(t, { slug: 'github', name: 'GitHub', provider: 'github', secret: SECRET });
    const rules = [
      {
        name: 'push-starts-build',
        pattern: { source: ['webhook:github'], type: ['push'] },
        targets: [{ type: 'workflow', kind: 'build', queue: 'ci', metadata: { team: 'platform' } }],
      },
      {
        name: 'paid-settles-promise',
        pattern: { type: ['payment.succeeded'] },
        targets: [
          {
            type: 'promise',
            mode: 'resolve',
            promise: "join('', ['key:stripe:', data.intent])",
            value: 'data',
          },
        ],
      },
      {
        name: 'mail-task',
        pattern: { type: ['mail.requested'] },
        targets: [{ type: 'task', kind: 'send-mail', idempotencyKey: 'data.ref', retry: { maxAttempts: 3 } }],
      },
    ];
    for (const rule of rules) expect((await t.api.post(`${base}/rules`, rule)).status).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
    await flovyn?.close();
  });

  it('a verified webhook starts a Flovyn workflow once, however often the event is replayed', async () => {
    const body = '{"ref":"refs/heads/main","repository":{"full_name":"octo/app","id":1234567890123456789}}';
    const res = await fetch(`${t.url}${base}/in/github`, {
      method: 'POST',
      headers: await githubPushHeaders(SECRET, body, randomUUID()),
      body,
    });
    expect(res.status).toBe(200);
    const { eventId } = (await res.json()) as { eventId: string };
    const [action] = await settledActions(t, eventId);
    expect(action).toMatchObject({ status: 'succeeded', result: { created: true } });
    const workflow = flovyn.workflows.get(action.result.workflowId)!;
    expect(workflow).toMatchObject({
      kind: 'build',
      queue: 'ci',
      metadata: { team: 'platform', 'eventhook.eventId': eventId, 'eventhook.hops': '0' },
    });
    expect(workflow.input).toMatchObject({
      id: eventId,
      source: 'webhook:github',
      type: 'push',
      subject: 'octo/app',
      data: JSON.parse(body),
    });
    const call = flovyn.calls.find((c) => c.body.kind === 'build')!;
    expect(call.path).toBe('/api/orgs/acme/workflow-executions');
    // An integer beyond 2^53 reaches Flovyn as it arrived, not as the double JSON.parse made of it.
    expect(call.text).toContain('"repository":{"full_name":"octo/app","id":1234567890123456789}');
    expect(call.body.idempotencyKey).toBe(`${eventId}:${action.ruleId}:0`);

    // The replay is a new action with the same key: Flovyn answers with the execution it already has.
    expect((await t.api.post(`${base}/events/${eventId}/replay`, {})).status).toBe(202);
    const actions = await settledActions(t, eventId, 2);
    expect(actions[1]).toMatchObject({
      status: 'succeeded',
      result: { workflowId: action.result.workflowId, created: false },
    });
    expect([...flovyn.workflows.values()].filter((w) => w.kind === 'build')).toHaveLength(1);
  });

  it('takes only the metadata Flovyn takes once Eventhook’s own two keys are added', async () => {
    const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
    const ruleWith = (name: string, metadata: Record<string, string>) => ({
      name,
      pattern: { type: [`${name}.requested`] },
      targets: [{ type: 'workflow', kind: name, metadata }],
    });
    // 48 of the target's own and eventhook.eventId and eventhook.hops: Flovyn's 50.
    expect((await t.api.post(`${base}/rules`, ruleWith('flvrev-meta48', keys(48)))).status).toBe(201);
    const published = await t.api.post(`${base}/events`, { type: 'flvrev-meta48.requested', data: {} });
    const [action] = await settledActions(t, published.body.eventId);
    expect(action).toMatchObject({ status: 'succeeded', result: { created: true } });
    expect(Object.keys(flovyn.workflows.get(action.result.workflowId)!.metadata)).toHaveLength(50);
    // One more would make every start a 400, every action dead: the rule is refused instead.
    const more = await t.api.post(`${base}/rules`, ruleWith('flvrev-meta49', keys(49)));
    expect(more.status).toBe(400);
    expect(more.body.detail).toContain('/targets/0/metadata');
    // So is metadata over Flovyn's 64 KB.
    const big = await t.api.post(`${base}/rules`, ruleWith('flvrev-metabig', { note: 'x'.repeat(65_536) }));
    expect(big.status).toBe(400);
    expect(big.body.detail).toContain('/targets/0/metadata');
  });

  it('settles a promise by its key; one not registered yet is retried until it is', async () => {
    const intent = `pi_${randomUUID()}`;
    const published = await t.api.post(`${base}/events`, {
      type: 'payment.succeeded',
      data: { intent, amount: 1200 },
    });
    expect(published.status).toBe(200);
    const { eventId } = published.body;
    // The first attempt meets a 404 (no workflow registered the key yet) and is retried on the backoff schedule.
    await eventually(async () => {
      const r = await t.api.get(`${base}/events/${eventId}`);
      return r.body.actions?.[0]?.lastError?.includes('was not found') ? true : undefined;
    });
    const promise = flovyn.createPromise(`stripe:${intent}`);
    const [action] = await settledActions(t, eventId);
    expect(action).toMatchObject({ status: 'succeeded', result: { promiseId: promise.id, settled: true } });
    expect(promise).toMatchObject({ status: 'RESOLVED', value: { intent, amount: 1200 } });
    const detail = await t.api.get(`${base}/actions/${action.id}`);
    expect(detail.body.attempts[0].error).toContain(`Promise key:stripe:${intent} was not found`);
  });

  it('waits as long as an overloaded Flovyn asks, and a conflict goes straight to the dead letters', async () => {
    flovyn.failNext(1, {
      status: 429,
      headers: { 'retry-after': '1' },
      body: { error: 'CONCURRENT_QUOTA_EXCEEDED', message: 'slow down' },
    });
    const first = await t.api.post(`${base}/events`, { type: 'mail.requested', data: { ref: 'mail-1' } });
    const [ok] = await settledActions(t, first.body.eventId);
    expect(ok).toMatchObject({ status: 'succeeded', attemptCount: 2, result: { created: true } });
    const attempts = (await t.api.get(`${base}/actions/${ok.id}`)).body.attempts;
    expect(attempts[0].error).toBe('The engine answered 429: CONCURRENT_QUOTA_EXCEEDED: slow down');
    expect(Date.parse(attempts[1].startedAt) - Date.parse(attempts[0].startedAt)).toBeGreaterThanOrEqual(900);
    expect(flovyn.tasks.get(ok.result.taskId)).toMatchObject({ kind: 'send-mail' });

    // A Retry-After shorter than the schedule (here 0) does not hurry it: attempts are not burnt in a 429 storm.
    flovyn.failNext(1, { status: 429, headers: { 'retry-after': '0' }, body: { error: 'QUOTA' } });
    const hurried = await t.api.post(`${base}/events`, { type: 'mail.requested', data: { ref: 'mail-0' } });
    const [later] = await settledActions(t, hurried.body.eventId);
    const tries = (await t.api.get(`${base}/actions/${later.id}`)).body.attempts;
    expect(tries).toHaveLength(2);
    expect(Date.parse(tries[1].startedAt) - Date.parse(tries[0].startedAt)).toBeGreaterThanOrEqual(900);
    // Each attempt keeps the status Flovyn answered, as a webhook's does.
    expect(tries.map((a: { statusCode: number | null }) => a.statusCode)).toEqual([429, null]);

    // Another rule's task under the same key but another kind: Flovyn refuses with 409, which no retry changes.
    expect(
      (
        await t.api.post(`${base}/rules`, {
          name: 'mail-audit',
          pattern: { type: ['mail.audited'] },
          targets: [{ type: 'task', kind: 'audit', idempotencyKey: 'data.ref' }],
        })
      ).status,
    ).toBe(201);
    const second = await t.api.post(`${base}/events`, { type: 'mail.audited', data: { ref: 'mail-1' } });
    const [dead] = await settledActions(t, second.body.eventId);
    expect(dead).toMatchObject({ status: 'dead', attemptCount: 1 });
    expect(dead.lastError).toBe(
      'Flovyn answered 409: idempotency key already used for a task of kind send-mail',
    );
    const refused = (await t.api.get(`${base}/actions/${dead.id}`)).body.attempts;
    expect(refused.map((a: { statusCode: number | null }) => a.statusCode)).toEqual([409]);
  });

  it('serves no local worker API: Flovyn runs the executions, and the answer says so', async () => {
    for (const [method, path] of [
      ['GET', '/engine/workflows'],
      ['POST', '/engine/tasks/claim'],
      ['POST', '/engine/workflows/wf_any/cancel'],
    ] as const) {
      const res =
        method === 'GET' ? await t.api.get(`${base}${path}`) : await t.api.post(`${base}${path}`, {});
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ code: 'EH_LOCAL_ENGINE_OFF' });
    }
    // Still behind the API's authentication.
    expect((await fetch(`${t.url}${base}/engine/workflows`)).status).toBe(401);
  });

  it('never stores or shows the Flovyn token', async () => {
    const every = JSON.stringify(flovyn.calls.map((c) => c.headers.authorization));
    expect(every).toContain(TOKEN);
    const events = await t.api.get(`${base}/events?limit=200`);
    const actions = await t.api.get(`${base}/actions?limit=200`);
    // Attempts too: they record what each call met, refusals included.
    const details = await Promise.all(
      actions.body.items.map((a: { id: string }) => t.api.get(`${base}/actions/${a.id}`)),
    );
    expect(details.some((d) => d.body.attempts.some((x: { error: string | null }) => x.error))).toBe(true);
    const shown = [events, actions, ...details].map((r) => JSON.stringify(r.body)).join('');
    expect(shown).not.toContain(TOKEN);
    expect(shown).not.toContain('flovyn_sk_e2e');
  });
});

const natsUp = await tcpAvailable('NATS', '127.0.0.1', 4222);

describe.skipIf(!natsUp)('Flovyn lifecycle events from NATS', () => {
  let t: TestApp;
  let flovyn: FakeFlovyn;
  let nats: NatsConnection;
  // A Flovyn org id of this run's own, so parallel runs on one NATS server never see each other's events.
  const flovynOrg = randomUUID();
  const publish = async (type: string, payload: unknown, org = flovynOrg) => {
    nats.publish(
      `flovyn.events.${org}.${type}`,
      typeof payload === 'string' ? payload : JSON.stringify(payload),
    );
    await nats.flush();
  };
  const eventsOfType = async (type: string) =>
    (await t.api.get(`${base}/events?type=${encodeURIComponent(type)}`)).body.items as any[];

  beforeAll(async () => {
    flovyn = await new FakeFlovyn(TOKEN, ['default']).start();
    t = await startTestApp('sqlite', {
      env: {
        EVENTHOOK_ENGINE: 'flovyn',
        EVENTHOOK_FLOVYN_URL: flovyn.url,
        EVENTHOOK_FLOVYN_TOKEN: TOKEN,
        EVENTHOOK_FLOVYN_NATS_URL: 'nats://127.0.0.1:4222',
        EVENTHOOK_FLOVYN_EVENT_ORGS: `${flovynOrg}=default`,
      },
    });
    nats = await connect({ servers: '127.0.0.1:4222' });
    await eventually(
      async () => {
        const r = await fetch(`${t.url}/readyz`);
        return ((await r.json()) as { checks: Record<string, string> }).checks.flovynEvents === 'ok';
      },
      10_000,
      'the NATS subscription',
    );
    expect(
      (
        await t.api.post(`${base}/rules`, {
          name: 'build-done-notifies',
          pattern: { source: ['system:workflows'], type: ['workflow.completed'], data: { kind: ['build'] } },
          targets: [{ type: 'task', kind: 'notify' }],
        })
      ).status,
    ).toBe(201);
  });
  afterAll(async () => {
    await nats?.close();
    await t?.close();
    await flovyn?.close();
  });

  it('a workflow.completed from Flovyn is stored once and routed by a rule to a Flovyn task', async () => {
    const workflowId = randomUUID();
    const event = {
      id: randomUUID(),
      org_id: flovynOrg,
      workflow_execution_id: workflowId,
      event_type: 'WORKFLOW_COMPLETED',
      source: 'system',
      data: { id: workflowId, kind: 'build', status: 'COMPLETED' },
      timestamp_ms: Date.now(),
      correlation_id: 'evt_01JCAUSEFROMEARLIER0000000',
    };
    await publish('workflow.completed', event);
    await publish('workflow.completed', event); // the same event again: stored once
    const [stored] = await eventually(async () => {
      const items = await eventsOfType('workflow.completed');
      return items.length > 0 ? items : undefined;
    });
    expect(stored).toMatchObject({
      source: 'system:workflows',
      type: 'workflow.completed',
      subject: workflowId,
      data: { id: workflowId, kind: 'build', status: 'COMPLETED' },
      correlationId: 'evt_01JCAUSEFROMEARLIER0000000',
    });
    const [action] = await settledActions(t, stored.id);
    expect(action).toMatchObject({ status: 'succeeded', result: { created: true } });
    expect(flovyn.tasks.get(action.result.taskId)).toMatchObject({ kind: 'notify' });

    // Something after the copy has surely been taken: the copy made no second event.
    await publish('task.created', { id: randomUUID(), event_type: 'TASK_CREATED', data: { id: 'x' } });
    await eventually(async () => (await eventsOfType('task.created')).length === 1);
    expect(await eventsOfType('workflow.completed')).toHaveLength(1);
  });

  it('a rule that starts a workflow on every completion stops at the hop limit', async () => {
    // Flovyn completes each `loop` workflow at once; its event names the execution, not the metadata.
    flovyn.onWorkflowStarted = (w) => {
      if (w.kind !== 'loop') return;
      void publish('workflow.completed', {
        id: randomUUID(),
        event_type: 'WORKFLOW_COMPLETED',
        workflow_execution_id: w.id,
        data: { id: w.id, kind: 'loop', status: 'COMPLETED' },
      });
    };
    for (const rule of [
      { name: 'kick-loop', pattern: { type: ['loop.kick'] }, targets: [{ type: 'workflow', kind: 'loop' }] },
      {
        name: 'loop-again',
        pattern: { source: ['system:workflows'], type: ['workflow.completed'], data: { kind: ['loop'] } },
        targets: [{ type: 'workflow', kind: 'loop' }],
      },
    ])
      expect((await t.api.post(`${base}/rules`, rule)).status).toBe(201);
    const kick = await t.api.post(`${base}/events`, { type: 'loop.kick', data: {} });
    const stopped = await eventually(
      async () => {
        const items = await eventsOfType('workflow.completed');
        return items.find((e) => e.data.kind === 'loop' && e.status === 'failed');
      },
      20_000,
      'the event past the hop limit',
    );
    expect(stopped.error).toBe('hop limit 8 exceeded (routing loop?)');
    const loops = () => [...flovyn.workflows.values()].filter((w) => w.kind === 'loop');
    // The kick starts one; the completions of hop 1 to 8 start one each; the ninth is not routed.
    expect(loops()).toHaveLength(9);
    // Each workflow names the event that started it, and every completion carries the kick's correlation id: the
    // whole loop is one correlation, not one per hop.
    const first = loops()[0]!;
    expect(first.metadata['eventhook.eventId']).toBe(kick.body.eventId);
    const events = (await eventsOfType('workflow.completed')).filter((e) => e.data.kind === 'loop');
    expect(events).toHaveLength(9);
    expect(new Set(events.map((e) => e.correlationId))).toEqual(new Set([kick.body.eventId]));
    await new Promise((r) => setTimeout(r, 500));
    expect(loops()).toHaveLength(9);
  });

  it('another deployment (another NATS prefix) gets its own copy of every event', async () => {
    const other = await startTestApp('sqlite', {
      env: {
        EVENTHOOK_FLOVYN_NATS_URL: 'nats://127.0.0.1:4222',
        EVENTHOOK_FLOVYN_EVENT_ORGS: `${flovynOrg}=default`,
        EVENTHOOK_NATS_PREFIX: 'another-deployment',
      },
    });
    try {
      await eventually(async () => {
        const r = await fetch(`${other.url}/readyz`);
        return ((await r.json()) as { checks: Record<string, string> }).checks.flovynEvents === 'ok';
      });
      const id = randomUUID();
      await publish('task.completed', { id, event_type: 'TASK_COMPLETED', task_execution_id: id, data: {} });
      for (const app of [t, other])
        await eventually(async () => {
          const r = await app.api.get(`${base}/events?type=task.completed`);
          return r.body.items.some((e: { subject: string }) => e.subject === id) || undefined;
        });
    } finally {
      await other.close();
    }
  });

  it('says at the start when a Flovyn org is mapped to an org that does not exist', async () => {
    const log = capturedLogger('warn');
    const other = await startTestApp('sqlite', {
      env: {
        EVENTHOOK_FLOVYN_NATS_URL: 'nats://127.0.0.1:4222',
        EVENTHOOK_FLOVYN_EVENT_ORGS: `${flovynOrg}=default,${randomUUID()}=nosuchorg`,
        EVENTHOOK_NATS_PREFIX: 'mapping-check',
      },
      logger: log.logger,
    });
    await other.close();
    const warnings = log.lines.filter((l) => JSON.stringify(l).includes('EVENTHOOK_FLOVYN_EVENT_ORGS'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toContain('to org nosuchorg, which does not exist');
  });

  it('skips the events of a mapped org that was deleted, rather than store them where its purge has been', async () => {
    const log = capturedLogger('warn');
    const flovynGone = randomUUID();
    const other = await startTestApp('sqlite', {
      env: {
        EVENTHOOK_FLOVYN_NATS_URL: 'nats://127.0.0.1:4222',
        EVENTHOOK_FLOVYN_EVENT_ORGS: `${flovynGone}=gone,${flovynOrg}=default`,
        EVENTHOOK_NATS_PREFIX: `deleted-org-${flovynGone.slice(0, 8)}`,
      },
      logger: log.logger,
    });
    try {
      expect((await other.api.post('/api/orgs', { slug: 'gone' })).status).toBe(201);
      expect((await other.api.delete('/api/orgs/gone')).status).toBe(202);
      await checkOk(other.url, 'flovynEvents');
      const completed = (id: string) => ({
        type: 'Event',
        event: 'WORKFLOW_COMPLETED',
        data: { id, kind: 'cleanup', status: 'COMPLETED' },
        timestampMs: Date.now(),
      });
      await publish('workflow.completed', completed(randomUUID()), flovynGone);
      const skipped = await eventually(async () =>
        log.lines.find((l) => l.msg === 'Flovyn lifecycle event skipped'),
      );
      expect(skipped.reason).toBe('org gone does not exist (deleted?); fix EVENTHOOK_FLOVYN_EVENT_ORGS');
      // The next event, for an org that exists, is taken as before; none was stored for the deleted one.
      const kept = randomUUID();
      await publish('workflow.completed', completed(kept));
      await eventually(async () => {
        const page = await other.app.store.events.list(
          'default',
          { type: 'workflow.completed' },
          { limit: 50 },
        );
        return page.items.some((e) => e.subject === kept);
      });
      expect((await other.app.store.events.list('gone', {}, { limit: 10 })).items).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('skips payloads that are not events and orgs not mapped, and goes on with the next', async () => {
    await publish('workflow.failed', 'this is not json');
    await publish('workflow.failed', [1, 2]);
    await publish('workflow.failed', { id: randomUUID(), event_type: 'WORKFLOW_FAILED' }, randomUUID());
    const good = randomUUID();
    await publish('workflow.failed', {
      type: 'Event',
      event: 'WORKFLOW_FAILED',
      data: { id: good, kind: 'deploy', status: 'FAILED', error: 'boom' },
      timestampMs: Date.now(),
    });
    const items = await eventually(async () => {
      const list = await eventsOfType('workflow.failed');
      return list.length > 0 ? list : undefined;
    });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ subject: good, data: { error: 'boom' } });
  });

  it('an event’s time is when it arrived, even when its execution’s cause is still being looked for', async () => {
    const rule = {
      name: 'flvrev-known-starts',
      pattern: { type: ['flvrev.known'] },
      targets: [{ type: 'workflow', kind: 'flvrev-known' }],
    };
    expect((await t.api.post(`${base}/rules`, rule)).status).toBe(201);
    const posted = await t.api.post(`${base}/events`, { type: 'flvrev.known', data: {} });
    const [action] = await settledActions(t, posted.body.eventId);
    const known = action.result.workflowId as string;
    // First an execution Eventhook did not start (its cause is looked for, in vain, for most of a second), then one it
    // did (its cause at hand): the first came first.
    const stranger = randomUUID();
    const started = (id: string) => ({
      id: randomUUID(),
      event_type: 'WORKFLOW_STARTED',
      workflow_execution_id: id,
      data: { id, kind: 'flvrev-known', status: 'RUNNING' },
    });
    await publish('workflow.started', started(stranger));
    await new Promise((r) => setTimeout(r, 100));
    await publish('workflow.started', started(known));
    const [first, second] = await eventually(async () => {
      const items = await eventsOfType('workflow.started');
      const a = items.find((e) => e.subject === stranger);
      const b = items.find((e) => e.subject === known);
      return a && b ? [a, b] : undefined;
    });
    expect(Date.parse(first.time)).toBeLessThan(Date.parse(second.time));
  });

  it('a state payload (no event id) received twice is stored once; one of another time is another event', async () => {
    const taskId = randomUUID();
    const payload = {
      type: 'Event',
      event: 'TASK_FAILED',
      data: { id: taskId, kind: 'flvrev-dup', status: 'FAILED', executionCount: 1, maxRetries: 0 },
      timestampMs: Date.now(),
    };
    await publish('task.failed', payload);
    await publish('task.failed', payload); // the same message again (a redelivery): no second event
    await publish('task.failed', { ...payload, timestampMs: payload.timestampMs + 1 });
    const ofTask = async () => (await eventsOfType('task.failed')).filter((e) => e.subject === taskId);
    await eventually(async () => (await ofTask()).length >= 2);
    // Long enough for a third copy to have been committed, were it going to be.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await ofTask()).toHaveLength(2);
  });
});

describe.skipIf(!natsUp)('the hop limit across the processes of a deployment', () => {
  let api: TestApp;
  let worker: TestApp;
  let flovyn: FakeFlovyn;
  let nats: NatsConnection;
  const flovynOrg = randomUUID();

  beforeAll(async () => {
    flovyn = await new FakeFlovyn(TOKEN, ['default']).start();
    const env = {
      EVENTHOOK_ENGINE: 'flovyn',
      EVENTHOOK_FLOVYN_URL: flovyn.url,
      EVENTHOOK_FLOVYN_TOKEN: TOKEN,
      EVENTHOOK_FLOVYN_NATS_URL: 'nats://127.0.0.1:4222',
      EVENTHOOK_FLOVYN_EVENT_ORGS: `${flovynOrg}=default`,
      EVENTHOOK_NATS_PREFIX: `eh-loop-${flovynOrg.slice(0, 8)}`,
    };
    // An API process and a worker process on one database: Flovyn's events go to either (one queue group), and
    // only the worker starts executions.
    api = await startTestApp('sqlite', { env: { ...env, EVENTHOOK_ROLE: 'api' } });
    worker = await startTestApp('sqlite', {
      dataDir: api.dataDir,
      env: { ...env, EVENTHOOK_ROLE: 'worker' },
    });
    nats = await connect({ servers: '127.0.0.1:4222' });
    // Each process says ok once its subscription is confirmed by the server (set up, then flushed).
    await checkOk(api.url, 'flovynEvents');
    await checkOk(worker.url, 'flovynEvents');
  });
  afterAll(async () => {
    await nats?.close();
    await worker?.close();
    await api?.close();
    await flovyn?.close();
  });

  it('stops a loop at the limit whichever process takes each completion', async () => {
    flovyn.onWorkflowStarted = (w) => {
      nats.publish(
        `flovyn.events.${flovynOrg}.workflow.completed`,
        JSON.stringify({
          id: randomUUID(),
          event_type: 'WORKFLOW_COMPLETED',
          workflow_execution_id: w.id,
          data: { id: w.id, kind: w.kind, status: 'COMPLETED' },
        }),
      );
    };
    for (const rule of [
      { name: 'kick', pattern: { type: ['spin.kick'] }, targets: [{ type: 'workflow', kind: 'spin' }] },
      {
        name: 'again',
        pattern: { source: ['system:workflows'], type: ['workflow.completed'], data: { kind: ['spin'] } },
        targets: [{ type: 'workflow', kind: 'spin' }],
      },
    ])
      expect((await api.api.post(`${base}/rules`, rule)).status).toBe(201);
    await api.api.post(`${base}/events`, { type: 'spin.kick', data: {} });
    const stopped = await eventually(
      async () => {
        const items = (await api.api.get(`${base}/events?type=workflow.completed&limit=200`)).body
          .items as any[];
        return items.find((e) => e.status === 'failed');
      },
      30_000,
      'the event past the hop limit',
    );
    expect(stopped.error).toBe('hop limit 8 exceeded (routing loop?)');
    await new Promise((r) => setTimeout(r, 1_000));
    expect([...flovyn.workflows.values()].filter((w) => w.kind === 'spin')).toHaveLength(9);
  }, 60_000);
});

const natsBinary = natsServerInstalled();

describe.skipIf(!natsBinary)('Flovyn lifecycle events across a NATS outage', () => {
  let t: TestApp | undefined;
  let nats: PrivateNats;
  const flovynOrg = randomUUID();

  beforeAll(async () => {
    nats = await PrivateNats.onFreePort();
  });

  const flovynEvents = async () =>
    (await (await fetch(`${t!.url}/readyz`)).json()) as { status: string; checks: Record<string, string> };

  afterAll(async () => {
    await t?.close();
    await nats.kill();
  });

  it('starts and stays ready while NATS is down, then takes events once it is up, and again after it restarts', async () => {
    t = await startTestApp('sqlite', {
      env: {
        EVENTHOOK_FLOVYN_NATS_URL: nats.url,
        EVENTHOOK_FLOVYN_EVENT_ORGS: `${flovynOrg}=default`,
      },
    });
    // Webhooks keep being taken: only the lifecycle events wait.
    expect(await flovynEvents()).toMatchObject({ status: 'ready', checks: { flovynEvents: 'connecting' } });

    const publishUntilStored = async (workflowId: string) => {
      const client = await connect({ servers: nats.url });
      try {
        await eventually(
          async () => {
            client.publish(
              `flovyn.events.${flovynOrg}.workflow.started`,
              JSON.stringify({
                id: `started-${workflowId}`,
                event_type: 'WORKFLOW_STARTED',
                workflow_execution_id: workflowId,
              }),
            );
            await client.flush();
            const items = (await t!.api.get(`${base}/events?type=workflow.started`)).body.items as any[];
            return items.some((e) => e.subject === workflowId) || undefined;
          },
          15_000,
          `the event of ${workflowId}`,
        );
      } finally {
        await client.close();
      }
    };

    await nats.start();
    await eventually(async () => (await flovynEvents()).checks.flovynEvents === 'ok' || undefined, 10_000);
    await publishUntilStored('wf-before');

    await nats.kill();
    await eventually(async () => (await flovynEvents()).checks.flovynEvents === 'connecting' || undefined);
    await nats.start();
    await eventually(async () => (await flovynEvents()).checks.flovynEvents === 'ok' || undefined, 15_000);
    await publishUntilStored('wf-after');
    // Published until seen: each distinct event is still stored once.
    const items = (await t!.api.get(`${base}/events?type=workflow.started`)).body.items as any[];
    expect(items.map((e) => e.subject).sort()).toEqual(['wf-after', 'wf-before']);
  }, 60_000);

  it('closes at once while still trying to reach NATS', async () => {
    const app = await startTestApp('sqlite', {
      env: {
        EVENTHOOK_FLOVYN_NATS_URL: `nats://127.0.0.1:${await freePort()}`,
        EVENTHOOK_FLOVYN_EVENT_ORGS: `${flovynOrg}=default`,
      },
    });
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await app.close();
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});

describe.skipIf(!natsBinary)('durable Flovyn lifecycle events (EVENTHOOK_FLOVYN_EVENTS_DURABLE=on)', () => {
  let nats: PrivateNats;
  const flovynOrg = randomUUID();
  const otherOrg = randomUUID();

  beforeAll(async () => {
    nats = await PrivateNats.onFreePort({ jetstream: true });
    await nats.start();
  });
  afterAll(async () => nats?.dispose());

  const publishStarted = async (org: string, workflowId: string) => {
    const client = await connect({ servers: nats.url });
    try {
      // As Flovyn publishes: core NATS, fire and forget.
      client.publish(
        `flovyn.events.${org}.workflow.started`,
        JSON.stringify({
          id: `started-${workflowId}`,
          event_type: 'WORKFLOW_STARTED',
          workflow_execution_id: workflowId,
        }),
      );
      await client.flush();
    } finally {
      await client.close();
    }
  };
  const startedSubjects = async (t: TestApp) =>
    ((await t.api.get(`${base}/events?type=workflow.started`)).body.items as any[])
      .map((e) => e.subject)
      .sort();

  it('takes what Flovyn published while Eventhook was down, each event once, and no other org’s', async () => {
    const env = {
      EVENTHOOK_FLOVYN_NATS_URL: nats.url,
      EVENTHOOK_FLOVYN_EVENT_ORGS: `${flovynOrg}=default`,
      EVENTHOOK_FLOVYN_EVENTS_DURABLE: 'on',
    };
    const dataDir = mkdtempSync(join(tmpdir(), 'eventhook-flovyn-durable-'));
    let t = await startTestApp('sqlite', { dataDir, env });
    try {
      await checkOk(t.url, 'flovynEvents');
      await publishStarted(flovynOrg, 'wf-up');
      await eventually(
        async () => (await startedSubjects(t)).includes('wf-up') || undefined,
        10_000,
        'wf-up',
      );

      await t.close();
      // Nobody listens now: core NATS alone would drop these.
      await publishStarted(flovynOrg, 'wf-while-down');
      await publishStarted(otherOrg, 'wf-other-org');
      await publishStarted(flovynOrg, 'wf-up'); // the same event again
      t = await startTestApp('sqlite', { dataDir, env });
      await eventually(
        async () => ((await startedSubjects(t)).includes('wf-while-down') ? true : undefined),
        15_000,
        'the event published while Eventhook was down',
      );
      await new Promise((r) => setTimeout(r, 300));
      expect(await startedSubjects(t)).toEqual(['wf-up', 'wf-while-down']);
    } finally {
      await t.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
