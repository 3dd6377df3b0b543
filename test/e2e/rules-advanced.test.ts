// Issue 4 through the real server: the milestone-3 rule (numeric pattern, two targets), JS filters, per-target
// inputs and retry policies, failures isolated to their own action, and POST /rules/test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestApp, type TestApp } from '../helpers/app.js';

const base = '/api/orgs/default/eventhook';

describe('advanced routing', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
  });
  afterAll(async () => t?.close());

  const settled = (eventId: string, n: number) =>
    eventually(async () => {
      const e = await t.api.get(`${base}/events/${eventId}`);
      return e.body.status !== 'pending' &&
        e.body.actions.length === n &&
        e.body.actions.every((a: { status: string }) => ['succeeded', 'dead'].includes(a.status))
        ? e.body
        : undefined;
    });

  it('routes big orders to two targets, each with its own input, and ignores small ones', async () => {
    const rule = await t.api.post(`${base}/rules`, {
      name: 'vip-orders',
      pattern: { type: ['order.created'], data: { total: [{ numeric: ['>=', 1000] }] } },
      targets: [
        {
          type: 'workflow',
          kind: 'vip-handler',
          input: { jmespath: '{orderId: data.id, total: data.total}' },
        },
        {
          type: 'task',
          kind: 'notify-sales',
          input: { paths: { id: '$.data.id' }, template: 'Big order <id>' },
        },
      ],
    });
    expect(rule.status).toBe(201);
    const big = await t.api.post(`${base}/events`, {
      type: 'order.created',
      data: { id: 'o-1', total: 1500 },
    });
    const small = await t.api.post(`${base}/events`, {
      type: 'order.created',
      data: { id: 'o-2', total: 999.99 },
    });
    const asString = await t.api.post(`${base}/events`, {
      type: 'order.created',
      data: { id: 'o-3', total: '5000' },
    });
    const e = await settled(big.body.eventId, 2);
    expect(e.actions.map((a: { targetType: string }) => a.targetType)).toEqual(['workflow', 'task']);
    const wf = (await t.api.get(`${base}/engine/workflows?kind=vip-handler`)).body.items[0];
    expect(wf.input).toEqual({ orderId: 'o-1', total: 1500 });
    const task = (await t.api.get(`${base}/engine/tasks?kind=notify-sales`)).body.items[0];
    expect(task.input).toBe('Big order o-1');
    for (const id of [small.body.eventId, asString.body.eventId]) {
      expect(
        (
          await eventually(async () => {
            const x = await t.api.get(`${base}/events/${id}`);
            return x.body.status !== 'pending' ? x.body : undefined;
          })
        ).status,
      ).toBe('unrouted');
    }
  });

  it('runs a JS filter after the pattern, and a failing script fails only its own action', async () => {
    await t.api.post(`${base}/rules`, {
      name: 'eu-signups',
      pattern: { type: ['user.signup'] },
      filter: 'function filter(event) { return event.data.country === "DE" || event.data.country === "FR"; }',
      targets: [
        {
          type: 'task',
          kind: 'welcome-eu',
          input: { javascript: 'function transform(e) { return { email: e.data.email.toLowerCase() }; }' },
        },
        {
          type: 'task',
          kind: 'broken',
          input: { javascript: 'function transform(e) { while (true) {} }' },
          retry: { maxAttempts: 3, schedule: ['10ms'] },
        },
        { type: 'task', kind: 'audit' },
      ],
    });
    const de = await t.api.post(`${base}/events`, {
      type: 'user.signup',
      data: { country: 'DE', email: 'Ada@Example.ORG' },
    });
    const us = await t.api.post(`${base}/events`, {
      type: 'user.signup',
      data: { country: 'US', email: 'x@y.z' },
    });
    const e = await settled(de.body.eventId, 3);
    const [welcome, broken, audit] = e.actions;
    expect(welcome).toMatchObject({ status: 'succeeded' });
    expect(audit).toMatchObject({ status: 'succeeded' });
    // A script that loops forever is stopped by the CPU limit. The limit is wall time, which a loaded machine
    // shortens, so a timeout is retried on the action's schedule: it dies after its last attempt, not its first.
    expect(broken).toMatchObject({
      status: 'dead',
      attemptCount: 3,
      lastError: expect.stringMatching(/CPU time limit/),
    });
    expect((await t.api.get(`${base}/engine/tasks?kind=welcome-eu`)).body.items[0].input).toEqual({
      email: 'ada@example.org',
    });
    const usEvent = await eventually(async () => {
      const x = await t.api.get(`${base}/events/${us.body.eventId}`);
      return x.body.status !== 'pending' ? x.body : undefined;
    });
    expect(usEvent.status).toBe('unrouted');
    // The server kept serving.
    expect((await t.api.get('/healthz')).status).toBe(200);
  });

  it('rejects invalid rules at save time with the path and reason', async () => {
    const cases: [unknown, string, RegExp][] = [
      [
        { name: 'p1', pattern: { type: 'not-an-array' }, targets: [{ type: 'task', kind: 'k' }] },
        'EH_PATTERN_INVALID',
        /type/,
      ],
      [
        {
          name: 'p2',
          pattern: { data: { n: [{ numeric: ['>', 'x'] }] } },
          targets: [{ type: 'task', kind: 'k' }],
        },
        'EH_PATTERN_INVALID',
        /numeric/,
      ],
      [
        { name: 'p3', pattern: { type: ['x'] }, targets: [{ type: 'task' }] },
        'EH_REQUEST_INVALID',
        /targets\/0\/kind/,
      ],
      [
        {
          name: 'p4',
          pattern: { type: ['x'] },
          targets: [{ type: 'task', kind: 'k', input: { jmespath: 'data.[' } }],
        },
        'EH_TRANSFORM_INVALID',
        /targets\/0\/input/,
      ],
      [
        {
          name: 'p5',
          pattern: { type: ['x'] },
          targets: [{ type: 'task', kind: 'k', input: { paths: { a: '$.data.a' }, template: '<a> <b>' } }],
        },
        'EH_TRANSFORM_INVALID',
        /b/,
      ],
      [
        {
          name: 'p5b',
          pattern: { type: ['x'] },
          targets: [{ type: 'task', kind: 'k', input: { paths: { a: '$.data.a' } } }],
        },
        'EH_TRANSFORM_INVALID',
        /^Invalid transform at \/targets\/0\/input\/template: is required/,
      ],
      [
        {
          name: 'p6',
          pattern: { type: ['x'] },
          filter: 'function nope() { return true }',
          targets: [{ type: 'task', kind: 'k' }],
        },
        'EH_SCRIPT_INVALID',
        /filter/,
      ],
      [
        {
          name: 'p7',
          pattern: { type: ['x'] },
          targets: [{ type: 'promise', mode: 'resolve', promise: 'data.[' }],
        },
        'EH_TRANSFORM_INVALID',
        /targets\/0\/promise/,
      ],
      [
        {
          name: 'p8',
          pattern: { type: ['x'] },
          targets: [{ type: 'workflow', kind: 'w', metadata: { _flovyn_owner: 'me' } }],
        },
        'EH_TARGET_INVALID',
        /targets\/0\/metadata\/_flovyn_owner.*reserved by Flovyn/,
      ],
    ];
    for (const [body, code, detail] of cases) {
      const res = await t.api.post(`${base}/rules`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.code, JSON.stringify(res.body)).toBe(code);
      expect(res.body.detail, JSON.stringify(res.body)).toMatch(detail);
    }
  });

  it('refuses a pattern on a field the envelope does not have: it could never match', async () => {
    const save = (pattern: object) =>
      t.api.post(`${base}/rules`, { name: 'typo', pattern, targets: [{ type: 'task', kind: 'k' }] });
    const typo = await save({ type: ['order.placed'], dat: { total: [{ numeric: ['>', 100] }] } });
    expect(typo.status).toBe(400);
    expect(typo.body).toMatchObject({ code: 'EH_PATTERN_INVALID' });
    expect(typo.body.errors).toEqual([
      {
        path: '/pattern/dat',
        message: expect.stringMatching(
          /^dat is not a field of the event envelope \(did you mean data\?\): it has /,
        ),
      },
    ]);
    const inOr = await save({ $or: [{ type: ['a'] }, { 'detail-type': ['b'] }] });
    expect(inOr.body.errors).toEqual([
      { path: '/pattern/$or/1/detail-type', message: expect.stringContaining('detail-type is not a field') },
    ]);
    // Dotted keys name the same fields as nested ones.
    expect(
      (await save({ 'data.total': [1], $or: [{ subject: ['x'] }, { headers: { 'x-a': ['1'] } }] })).status,
    ).toBe(201);
  });

  it('refuses a header name with capitals: header names are stored in lower case, so it could never match', async () => {
    const save = (pattern: object) =>
      t.api.post(`${base}/rules`, { name: 'hdr', pattern, targets: [{ type: 'task', kind: 'k' }] });
    const nested = await save({ headers: { 'X-GitHub-Event': ['push'] } });
    expect(nested.status).toBe(400);
    expect(nested.body).toMatchObject({ code: 'EH_PATTERN_INVALID' });
    expect(nested.body.errors).toEqual([
      {
        path: '/pattern/headers/X-GitHub-Event',
        message:
          'X-GitHub-Event is no header name an event has: header names are stored in lower case (write x-github-event)',
      },
    ]);
    const dotted = await save({ type: ['a'], 'headers.X-Foo': ['1'] });
    expect(dotted.body.errors).toEqual([
      { path: '/pattern/headers.X-Foo', message: expect.stringContaining('(write x-foo)') },
    ]);
    const inOr = await save({ headers: { $or: [{ 'x-a': ['1'] }, { 'X-B': ['2'] }] } });
    expect(inOr.body.errors).toEqual([
      { path: '/pattern/headers/$or/1/X-B', message: expect.stringContaining('(write x-b)') },
    ]);
    const topOr = await save({ $or: [{ type: ['a'] }, { headers: { 'X-C': ['3'] } }] });
    expect(topOr.body.errors).toEqual([
      { path: '/pattern/$or/1/headers/X-C', message: expect.stringContaining('(write x-c)') },
    ]);
    // What a webhook's headers look like in its event matches.
    const ok = await save({
      headers: { 'x-github-event': ['push'], $or: [{ 'x-a': ['1'] }, { 'x-b': ['2'] }] },
    });
    expect(ok.status).toBe(201);
  });

  it('refuses null, a number or a boolean for an envelope field that is always text: it could never match', async () => {
    const save = (pattern: object) =>
      t.api.post(`${base}/rules`, { name: 'text', pattern, targets: [{ type: 'task', kind: 'k' }] });
    // GET /events shows "subject": null for an event without one; the envelope has no subject then.
    const nul = await save({ type: ['a'], subject: ['x', null] });
    expect(nul.status).toBe(400);
    expect(nul.body.errors).toEqual([
      {
        path: '/pattern/subject/1',
        message:
          'subject is text in every event (or absent), so null never matches: {"exists": false} matches an event without one',
      },
    ]);
    const num = await save({ $or: [{ source: ['app:a'] }, { type: [404] }] });
    expect(num.body.errors).toEqual([
      {
        path: '/pattern/$or/1/type/0',
        message: 'type is text in every event, so 404 never matches: write "404"',
      },
    ]);
    const bool = await save({ correlationid: [true] });
    expect(bool.body.errors).toEqual([
      {
        path: '/pattern/correlationid/0',
        message: 'correlationid is text in every event (or absent), so true never matches',
      },
    ]);
    // Operators and data fields are untouched: data may hold anything.
    expect((await save({ subject: [{ exists: false }], data: { x: [null, 1, true] } })).status).toBe(201);
  });

  it('tests a pattern against any JSON object exactly as given, with filter and target previews', async () => {
    const awsEvent = {
      'detail-type': 'EC2 Instance State-change Notification',
      source: 'aws.ec2',
      detail: { state: 'running', 'instance-id': 'i-1' },
    };
    const match = await t.api.post(`${base}/rules/test`, {
      pattern: { source: ['aws.ec2'], detail: { state: ['running'] } },
      event: awsEvent,
    });
    expect(match.body).toEqual({ match: true, actions: 'pending' });
    const noMatch = await t.api.post(`${base}/rules/test`, {
      pattern: { 'detail-type': [{ prefix: 'S3' }] },
      event: awsEvent,
    });
    expect(noMatch.body).toEqual({ match: false, actions: 'none' });
    const invalid = await t.api.post(`${base}/rules/test`, {
      pattern: { detail: { state: [] } },
      event: awsEvent,
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.code).toBe('EH_PATTERN_INVALID');

    const preview = await t.api.post(`${base}/rules/test`, {
      pattern: { detail: { state: ['running'] } },
      filter: 'function filter(e) { return e.detail["instance-id"].startsWith("i-"); }',
      targets: [
        { type: 'task', kind: 'k', input: { jmespath: 'detail."instance-id"' } },
        { type: 'workflow', kind: 'w', input: { constant: { fixed: true } } },
      ],
      event: awsEvent,
    });
    expect(preview.body).toEqual({
      match: true,
      actions: 'pending',
      filter: { passed: true },
      targets: [
        { index: 0, type: 'task', input: 'i-1' },
        { index: 1, type: 'workflow', input: { fixed: true } },
      ],
    });
  });

  it('answers a JMESPath input whose nested projections would run for minutes with its error, at once', async () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({ i }));
    const started = Date.now();
    const res = await t.api.post(`${base}/rules/test`, {
      pattern: { type: ['big'] },
      event: { type: 'big', data: { items } },
      targets: [
        {
          type: 'task',
          kind: 'k',
          input: { jmespath: 'length(data.items[*].[$.data.items[*].[$.data.items[*].i]])' },
        },
      ],
    });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(res.body.targets).toEqual([
      {
        index: 0,
        type: 'task',
        error: expect.stringMatching(
          /^The transform failed: the expression took more than 1000000 steps on this event/,
        ),
      },
    ]);
  });

  it('answers an input that would be hundreds of megabytes with its error, not the megabytes', async () => {
    expect(
      (await t.api.post(`${base}/endpoints`, { slug: 'big-ep', url: 'https://example.com/hook' })).status,
    ).toBe(201);
    const res = await t.api.post(`${base}/rules/test`, {
      pattern: { type: ['big'] },
      event: { type: 'big', data: { s: 'abc', blob: 'x'.repeat(100_000) } },
      targets: [
        { type: 'webhook', endpoint: 'big-ep', input: { jmespath: 'pad_left(data.s, `300000000`)' } },
        {
          type: 'webhook',
          endpoint: 'big-ep',
          input: { paths: { b: '$.data.blob' }, template: '<b>'.repeat(500) },
        },
      ],
    });
    const error = 'The transform failed: the result would be more than 16777216 characters of JSON';
    expect(res.body.targets).toEqual([
      { index: 0, type: 'webhook', error },
      { index: 1, type: 'webhook', error },
    ]);
  });

  it('backtests a pattern over stored events', async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    for (const total of [10, 2000, 3000])
      await t.api.post(`${base}/events`, { type: 'backtest.order', data: { total } });
    const res = await t.api.post(`${base}/rules/test`, {
      pattern: { type: ['backtest.order'], data: { total: [{ numeric: ['>', 1000] }] } },
      since,
    });
    expect(res.body).toMatchObject({ matched: 2, truncated: false });
    expect(res.body.scanned).toBeGreaterThanOrEqual(3);
    expect(res.body.sample.map((e: { data: { total: number } }) => e.data.total).sort()).toEqual([
      2000, 3000,
    ]);
  });
});
