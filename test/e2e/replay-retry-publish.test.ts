// Issue 5 §2–3: publish events, replay them through the current rules as new actions (old ones untouched),
// retry failed and dead actions one by one and in bulk.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeadEndRule, eventually, OPERATOR_TOKEN, startTestApp, type TestApp } from '../helpers/app.js';

const base = '/api/orgs/default/eventhook';

describe('publish, replay and retry', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
  });
  afterAll(async () => t?.close());

  const routedActions = (eventId: string) =>
    eventually(async () => {
      const e = await t.api.get(`${base}/events/${eventId}`);
      return e.body.status !== 'pending' &&
        e.body.actions.every((a: { status: string }) => ['succeeded', 'dead', 'failed'].includes(a.status))
        ? e.body
        : undefined;
    });

  it('keeps __proto__ and constructor.prototype keys of published data as data, polluting nothing', async () => {
    const data = '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"n":1}';
    const one = await t.api.post(`${base}/events`, JSON.parse(`{"type":"proto.test","data":${data}}`));
    expect(one.status, one.text).toBe(200);
    const batch = await t.api.post(`${base}/events`, JSON.parse(`[{"type":"proto.test","data":${data}}]`));
    expect(batch.status, batch.text).toBe(200);
    const binary = await t.api.request('POST', `${base}/events`, JSON.parse(data), {
      'ce-specversion': '1.0',
      'ce-type': 'proto.test',
      'ce-source': 'app',
      'ce-id': 'proto-1',
    });
    expect(binary.status, binary.text).toBe(200);
    for (const eventId of [one.body.eventId, batch.body.items[0].eventId, binary.body.eventId]) {
      const stored = await eventually(async () => {
        const e = await t.api.get(`${base}/events/${eventId}`);
        return e.body.status !== 'pending' ? e : undefined;
      });
      expect(stored.body.status).not.toBe('failed');
      expect(stored.text).toContain(`"data":${data}`);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    // Elsewhere such keys are refused, by name rather than as invalid JSON.
    const rule = await t.api.post(
      `${base}/rules`,
      JSON.parse('{"name":"p","pattern":{"__proto__":{"type":["x"]}},"targets":[]}'),
    );
    expect(rule.status).toBe(400);
    expect(rule.body.code).toBe('EH_REQUEST_INVALID');
    expect(rule.body.detail).toMatch(/"__proto__" key .*only an event's data may carry/);
  });

  it('publishes JSON, batches and CloudEvents, de-duplicating on the producer id', async () => {
    const one = await t.api.post(`${base}/events`, {
      type: 'order.created',
      source: 'checkout',
      id: 'o-1',
      data: { total: 12 },
    });
    expect(one.status).toBe(200);
    expect(one.body.duplicate).toBe(false);
    const again = await t.api.post(`${base}/events`, {
      type: 'order.created',
      source: 'checkout',
      id: 'o-1',
      data: { total: 99 },
    });
    expect(again.body).toEqual({ eventId: one.body.eventId, duplicate: true });
    const stored = await t.api.get(`${base}/events/${one.body.eventId}`);
    expect(stored.body).toMatchObject({ source: 'app:checkout', type: 'order.created', data: { total: 12 } });

    const batch = await t.api.post(`${base}/events`, [{ type: 'a' }, { type: 'b', source: 'app:billing' }]);
    expect(batch.body.items).toHaveLength(2);

    const structured = await t.api.request('POST', `${base}/events`, undefined, {
      'content-type': 'application/cloudevents+json',
    });
    expect(structured.status).toBe(400);
    const ce = await fetch(`${t.url}${base}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.api.token}`, 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({
        specversion: '1.0',
        id: 'ce-1',
        source: 'inventory',
        type: 'stock.low',
        subject: 'sku-9',
        data: { left: 2 },
      }),
    });
    const ceBody = (await ce.json()) as { eventId: string };
    expect((await t.api.get(`${base}/events/${ceBody.eventId}`)).body).toMatchObject({
      source: 'app:inventory',
      type: 'stock.low',
      subject: 'sku-9',
      data: { left: 2 },
    });

    const binary = await fetch(`${t.url}${base}/events`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${t.api.token}`,
        'content-type': 'application/json',
        'ce-specversion': '1.0',
        'ce-id': 'b-1',
        'ce-type': 'stock.high',
        'ce-source': 'inventory',
      },
      body: '{"left": 900}',
    });
    const binBody = (await binary.json()) as { eventId: string };
    expect((await t.api.get(`${base}/events/${binBody.eventId}`)).body).toMatchObject({
      type: 'stock.high',
      data: { left: 900 },
    });

    const bad = await t.api.post(`${base}/events`, [{ type: 'ok' }, { source: 'system:workflows' }]);
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(['/1/type', '/1/source']);
  });

  it('answers 404 for the raw body of a published event, which never had request bytes', async () => {
    const published = await t.api.post(`${base}/events`, { type: 'order.created', data: { total: 1 } });
    const raw = await t.api.get(`${base}/events/${published.body.eventId}/raw`);
    expect(raw.status).toBe(404);
    expect(raw.body).toMatchObject({ code: 'EH_EVENT_NO_RAW_BODY' });
    expect(raw.body.detail).toContain('only webhooks keep one');
  });

  it("takes the request's traceparent header as the parent of published events that carry none", async () => {
    const header = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const own = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const one = await t.api.request(
      'POST',
      `${base}/events`,
      { type: 'traced.one' },
      { traceparent: header },
    );
    expect((await t.api.get(`${base}/events/${one.body.eventId}`)).body.traceparent).toBe(header);
    const batch = await t.api.request(
      'POST',
      `${base}/events`,
      [{ type: 'traced.inherits' }, { type: 'traced.own', traceparent: own }],
      { traceparent: header },
    );
    const [inherits, keeps] = batch.body.items as { eventId: string }[];
    expect((await t.api.get(`${base}/events/${inherits!.eventId}`)).body.traceparent).toBe(header);
    expect((await t.api.get(`${base}/events/${keeps!.eventId}`)).body.traceparent).toBe(own);
    const untraced = await t.api.post(`${base}/events`, { type: 'traced.none' });
    expect((await t.api.get(`${base}/events/${untraced.body.eventId}`)).body.traceparent).toBeNull();
  });

  it('refuses a published event with a precise error for each bad attribute, and stores none of its batch', async () => {
    const count = async () => (await t.api.get(`${base}/events?limit=200`)).body.items.length as number;
    const before = await count();
    const refused = async (body: unknown, errors: { path: string; message: string }[]) => {
      const res = await t.api.post(`${base}/events`, body);
      expect(res.status, res.text).toBe(400);
      expect(res.body).toMatchObject({ code: 'EH_EVENT_INVALID', errors });
    };
    await refused({ type: 'a', source: 42 }, [
      { path: '/source', message: 'must be a string of at most 256 characters' },
    ]);
    await refused({ type: 'a', source: ['checkout'], subject: { id: 1 } }, [
      { path: '/source', message: 'must be a string of at most 256 characters' },
      { path: '/subject', message: 'must be a string of at most 1024 characters' },
    ]);
    await refused({ type: 'a', id: 7, correlationid: true, traceparent: 'x'.repeat(257) }, [
      { path: '/id', message: 'must be a string of 1–256 characters' },
      { path: '/correlationid', message: 'must be a string of at most 256 characters' },
      { path: '/traceparent', message: 'must be a string of at most 256 characters' },
    ]);
    await refused({ type: 'a', id: '' }, [{ path: '/id', message: 'must be a string of 1–256 characters' }]);
    await refused({ type: 'a', source: 'system:eventhook' }, [
      { path: '/source', message: 'must not start with webhook: or system: (reserved)' },
    ]);
    await refused({ type: 12 }, [{ path: '/type', message: 'must be a string of 1–256 characters' }]);
    // One bad event in a batch refuses the batch: the good one beside it is not stored either.
    await refused(
      [{ type: 'fine' }, { type: 'bad', source: {} }],
      [{ path: '/1/source', message: 'must be a string of at most 256 characters' }],
    );
    expect(await count()).toBe(before);
    // null leaves an attribute out, as JSON clients write it.
    const nulls = await t.api.post(`${base}/events`, {
      type: 'with.nulls',
      source: null,
      subject: null,
      id: null,
    });
    expect(nulls.status, nulls.text).toBe(200);
    const stored = await t.api.get(`${base}/events/${nulls.body.eventId}`);
    expect(stored.body).toMatchObject({ type: 'with.nulls', source: 'app:default', subject: null });
  });

  it('refuses a number beyond a 64-bit float in published data, naming it, rather than storing null', async () => {
    const count = async () => (await t.api.get(`${base}/events?limit=200`)).body.items.length as number;
    const before = await count();
    // The body as text: JSON.stringify cannot write 1e400, which is the point.
    const post = async (body: string, headers: Record<string, string>) => {
      const res = await fetch(`${t.url}${base}/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, ...headers },
        body,
      });
      return { status: res.status, body: (await res.json()) as { code?: string; errors?: unknown[] } };
    };
    const json = { 'content-type': 'application/json' };
    const message = expect.stringContaining('beyond the range of a 64-bit float');
    const one = await post(
      '{"type":"big.number","data":{"amount":1e400,"a/b":[1,-1e999],"fine":1e300}}',
      json,
    );
    expect(one.status).toBe(400);
    expect(one.body).toMatchObject({
      code: 'EH_EVENT_INVALID',
      errors: [
        { path: '/data/amount', message },
        { path: '/data/a~1b/1', message },
      ],
    });
    const batch = await post('[{"type":"fine"},{"type":"big.number","data":1e400}]', json);
    expect(batch.body).toMatchObject({ code: 'EH_EVENT_INVALID', errors: [{ path: '/1/data', message }] });
    const structured = await post(
      '{"specversion":"1.0","type":"big.number","source":"s","id":"1","data":[1e400]}',
      {
        'content-type': 'application/cloudevents+json',
      },
    );
    expect(structured.body).toMatchObject({
      code: 'EH_EVENT_INVALID',
      errors: [{ path: '/data/0', message }],
    });
    const binary = await post('{"n":1e400}', {
      ...json,
      'ce-specversion': '1.0',
      'ce-type': 'big.number',
      'ce-source': 's',
      'ce-id': '2',
    });
    expect(binary.body).toMatchObject({ code: 'EH_EVENT_INVALID', errors: [{ path: '/data/n', message }] });
    expect(await count()).toBe(before);
    // The largest finite doubles are numbers like any other.
    const largest = await post('{"type":"big.number","data":{"n":1.7976931348623157e308}}', json);
    expect(largest.status).toBe(200);
  });

  it('replays an event through the current rules as new actions, leaving the old ones', async () => {
    const { body: ev } = await t.api.post(`${base}/events`, {
      type: 'invoice.paid',
      source: 'billing',
      data: { n: 1 },
    });
    const first = await routedActions(ev.eventId);
    expect(first.status).toBe('unrouted');
    const rule = await t.api.post(`${base}/rules`, {
      name: 'invoices',
      pattern: { type: ['invoice.paid'] },
      targets: [{ type: 'task', kind: 'book-invoice' }],
    });
    expect(rule.status).toBe(201);

    expect((await t.api.post(`${base}/events/${ev.eventId}/replay`, {})).status).toBe(202);
    const second = await eventually(async () => {
      const e = await t.api.get(`${base}/events/${ev.eventId}`);
      return e.body.status === 'routed' && e.body.actions[0]?.status === 'succeeded' ? e.body : undefined;
    });
    expect(second.actions).toHaveLength(1);
    const taskId = second.actions[0].result.taskId;

    // A second replay makes another action, but the task is not created twice (same idempotency key) …
    await t.api.post(`${base}/events/${ev.eventId}/replay`, {});
    const third = await eventually(async () => {
      const e = await t.api.get(`${base}/events/${ev.eventId}`);
      return e.body.actions.length === 2 &&
        e.body.actions.every((a: { status: string }) => a.status === 'succeeded')
        ? e.body
        : undefined;
    });
    expect(third.actions[0]).toEqual(second.actions[0]);
    expect(third.actions[1].result).toEqual({ taskId, created: false });
    // … unless the replay asks for fresh keys.
    await t.api.post(`${base}/events/${ev.eventId}/replay`, { newIdempotencyKeys: true });
    const fourth = await eventually(async () => {
      const e = await t.api.get(`${base}/events/${ev.eventId}`);
      return e.body.actions.length === 3 && e.body.actions[2].status === 'succeeded' ? e.body : undefined;
    });
    expect(fourth.actions[2].result.created).toBe(true);
    expect(fourth.actions[2].result.taskId).not.toBe(taskId);

    const dry = await t.api.post(`${base}/events/replay`, { filter: { type: 'invoice.paid' }, dryRun: true });
    expect(dry.body).toEqual({ count: 1, dryRun: true, truncated: false });
  });

  it('retries dead actions one by one and in bulk', async () => {
    // A promise target for a promise that does not exist fails; with one attempt allowed it is dead at once.
    await createDeadEndRule(t.api);
    const a = await t.api.post(`${base}/events`, { type: 'payment.done', data: { ref: 'p-1' } });
    const b = await t.api.post(`${base}/events`, { type: 'payment.done', data: { ref: 'p-2' } });
    const deadA = (await routedActions(a.body.eventId)).actions[0];
    await routedActions(b.body.eventId);
    expect(deadA).toMatchObject({
      status: 'dead',
      attemptCount: 1,
      lastError: expect.stringContaining('was not found'),
    });
    const dlq = await t.api.get(`${base}/actions?status=dead&targetType=promise`);
    expect(dlq.body.items).toHaveLength(2);

    expect((await t.api.post(`${base}/actions/${deadA.id}/retry`)).status).toBe(202);
    const retried = await eventually(async () => {
      const x = await t.api.get(`${base}/actions/${deadA.id}`);
      return x.body.attempts.length === 2 && x.body.status === 'dead' ? x.body : undefined;
    });
    expect(retried.attempts.map((at: { number: number }) => at.number)).toEqual([1, 2]);

    // The promise now exists: a bulk retry of the dead-letter queue settles both.
    await t.api.post(`${base}/engine/promises`, { key: 'p-1' });
    await t.api.post(`${base}/engine/promises`, { key: 'p-2' });
    const bulk = await t.api.post(`${base}/actions/retry`, {
      filter: { status: 'dead', targetType: 'promise' },
    });
    expect(bulk.body).toEqual({ count: 2, dryRun: false, truncated: false });
    await eventually(
      async () => (await t.api.get(`${base}/actions?status=dead&targetType=promise`)).body.items.length === 0,
    );
    expect((await t.api.get(`${base}/engine/promises/key:p-2`)).body.status).toBe('resolved');
    const notRetriable = await t.api.post(`${base}/actions/${deadA.id}/retry`);
    expect(notRetriable.status).toBe(409);
    expect(notRetriable.body.code).toBe('EH_ACTION_NOT_RETRIABLE');
  });

  it('leaves alone actions that died before they ran (their filter threw): a retry would skip the filter', async () => {
    const rule = await t.api.post(`${base}/rules`, {
      name: 'adults-only',
      pattern: { type: ['signup.done'] },
      filter: 'function filter(e) { return e.data.profile.age > 18; }',
      targets: [{ type: 'task', kind: 'welcome-adult' }],
    });
    expect(rule.status, rule.text).toBe(201);
    const published = await t.api.post(`${base}/events`, { type: 'signup.done', data: {} });
    const [action] = (await routedActions(published.body.eventId)).actions;
    expect(action).toMatchObject({
      status: 'dead',
      attemptCount: 0,
      lastError: expect.stringMatching(/^filter failed/),
    });

    const one = await t.api.post(`${base}/actions/${action.id}/retry`);
    expect(one.status).toBe(409);
    expect(one.body.code).toBe('EH_ACTION_NEVER_RAN');
    expect(one.body.detail).toContain('replay its event');
    const bulk = await t.api.post(`${base}/actions/retry`, { filter: { rule: rule.body.id } });
    expect(bulk.body).toEqual({ count: 0, dryRun: false, truncated: false, skipped: 1 });
    expect((await t.api.get(`${base}/actions/${action.id}`)).body).toMatchObject({ status: 'dead' });
    expect((await t.api.get(`${base}/engine/tasks?kind=welcome-adult`)).body.items).toEqual([]);
  });
});
