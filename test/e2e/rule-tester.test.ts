// POST /rules/test through the real server: the answer says what routing would do with a sample event or with each
// stored event of a backtest (pattern, filter verdict, dead actions, each target's input and its warnings), and a
// draft is validated as saving a rule validates it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestApp, type TestApp } from '../helpers/app.js';

const base = '/api/orgs/default/eventhook';

describe('rule tester', () => {
  let t: TestApp;
  let since: string;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
    since = new Date(Date.now() - 60_000).toISOString();
    // Oldest first: the backtest answers newest first.
    for (const [type, who] of [
      ['env.probe', 'a'],
      ['env.probe2', 'b'],
      ['env.probe2', null],
      ['other.thing', 'c'],
    ] as const) {
      const res = await t.api.post(`${base}/events`, { type, data: who === null ? {} : { who } });
      expect(res.status).toBeLessThan(300);
    }
  });
  afterAll(async () => t?.close());

  const test = (body: object) => t.api.post(`${base}/rules/test`, body);

  it('backtests the filter too, and shows what each target would receive', async () => {
    const res = await test({
      pattern: { type: [{ prefix: 'env.' }] },
      filter: 'function filter(e) { return e.type === "env.probe2"; }',
      targets: [{ type: 'task', kind: 'probe', input: { jmespath: 'data.who' } }],
      since,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      scanned: 4,
      matched: 2,
      filterRejected: 1,
      filterFailed: 0,
      truncated: false,
    });
    expect(res.body.sample.map((e: { type: string }) => e.type)).toEqual(['env.probe2', 'env.probe2']);
    expect(res.body.outcomes).toEqual([
      {
        eventId: res.body.sample[0].id,
        match: true,
        actions: 'pending',
        filter: { passed: true },
        targets: [
          {
            index: 0,
            type: 'task',
            input: null,
            warnings: ['the input is null: /targets/0/input/jmespath matched nothing'],
          },
        ],
      },
      {
        eventId: res.body.sample[1].id,
        match: true,
        actions: 'pending',
        filter: { passed: true },
        targets: [{ index: 0, type: 'task', input: 'b' }],
      },
    ]);
  });

  it('reports a filter that throws as routing treats it: the actions would be created dead', async () => {
    const filter = 'function filter(e) { return e.data.missing.deeper === 1; }';
    const sample = await test({
      pattern: { type: ['env.probe'] },
      filter,
      event: { type: 'env.probe', data: {} },
    });
    expect(sample.status).toBe(200);
    expect(sample.body).toMatchObject({
      match: true,
      actions: 'dead',
      filter: { error: expect.any(String) },
    });
    expect(sample.body.lastError).toBe(`filter failed: ${sample.body.filter.error}`);
    expect(sample.body.targets).toBeUndefined();

    const backtest = await test({ pattern: { type: ['env.probe'] }, filter, since });
    expect(backtest.body).toMatchObject({ matched: 1, filterFailed: 1, filterRejected: 0 });
    expect(backtest.body.outcomes[0]).toMatchObject({
      match: true,
      actions: 'dead',
      lastError: /^filter failed: /,
    });
    // And routing, given the same rule, does just that.
    const draft = { pattern: { type: ['env.dead'] }, filter, targets: [{ type: 'task', kind: 'dead' }] };
    const event = { type: 'env.dead', data: {} };
    const tested = await test({ ...draft, event });
    expect((await t.api.post(`${base}/rules`, { name: 'dead-filter', ...draft })).status).toBe(201);
    const published = await t.api.post(`${base}/events`, event);
    const routed = await eventually(async () => {
      const e = await t.api.get(`${base}/events/${published.body.eventId}`);
      return e.body.status !== 'pending' ? e.body : undefined;
    });
    expect(routed.actions).toMatchObject([{ status: tested.body.actions, lastError: tested.body.lastError }]);
  });

  it('shows the idempotency key and promise engine targets would use, and the failure one that gives null would die with', async () => {
    const targets = [
      { type: 'workflow', kind: 'wf', idempotencyKey: 'data.who' },
      { type: 'promise', mode: 'resolve', promise: "join('', ['key:pay:', data.who])" },
      { type: 'task', kind: 'plain' },
    ];
    const res = await test({ pattern: { type: ['env.probe2'] }, targets, since });
    expect(res.status, res.text).toBe(200);
    const [keyless, keyed] = res.body.outcomes.map((o: { targets: unknown[] }) => o.targets);
    expect(keyed).toEqual([
      { index: 0, type: 'workflow', input: expect.any(Object), idempotencyKey: 'b' },
      { index: 1, type: 'promise', input: expect.any(Object), promise: 'key:pay:b' },
      // No expression: the default key, which the draft (no rule id yet) cannot spell.
      { index: 2, type: 'task', input: expect.any(Object) },
    ]);
    expect(keyless).toEqual([
      {
        index: 0,
        type: 'workflow',
        input: expect.any(Object),
        error: 'The transform failed: idempotencyKey gave null, not a string',
      },
      {
        index: 1,
        type: 'promise',
        input: expect.any(Object),
        error: expect.stringMatching(/^The transform failed: /),
      },
      { index: 2, type: 'task', input: expect.any(Object) },
    ]);

    // Routing that event for real: the two engine actions die with those very errors at their first attempt.
    const draft = { pattern: { type: ['env.keyless'] }, targets };
    expect((await t.api.post(`${base}/rules`, { name: 'keyless', ...draft })).status).toBe(201);
    const event = { type: 'env.keyless', data: {} };
    const tested = await test({ ...draft, event });
    const published = await t.api.post(`${base}/events`, event);
    const actions = await eventually(async () => {
      const e = await t.api.get(`${base}/events/${published.body.eventId}`);
      const a = e.body.actions as { targetIndex: number; status: string; lastError: string }[] | undefined;
      return a?.filter((x) => x.status === 'dead').length === 2 ? a : undefined;
    });
    const lastError = (i: number) => actions.find((a) => a.targetIndex === i)?.lastError;
    expect(lastError(0)).toBe(tested.body.targets[0].error);
    expect(lastError(1)).toBe(tested.body.targets[1].error);
  });

  it('warns about a template variable that matches nothing', async () => {
    const res = await test({
      targets: [
        {
          type: 'task',
          kind: 'k',
          input: { paths: { who: '$.data.who', id: '$.id' }, template: 'Hello <who> (<id>)' },
        },
      ],
      event: { id: 'e-1', data: {} },
    });
    expect(res.body.targets).toEqual([
      {
        index: 0,
        type: 'task',
        input: 'Hello  (e-1)',
        warnings: ['template variable <who> is missing: $.data.who matched nothing'],
      },
    ]);
  });

  it('refuses a webhook target whose endpoint does not exist, as saving the rule does', async () => {
    const draft = { pattern: { type: ['env.probe'] }, targets: [{ type: 'webhook', endpoint: 'nope' }] };
    const saved = await t.api.post(`${base}/rules`, { name: 'nope-endpoint', ...draft });
    expect(saved.status).toBe(400);
    for (const body of [
      { ...draft, event: { type: 'env.probe' } },
      { ...draft, event: { type: 'no.match' } },
      { ...draft, since },
    ]) {
      const res = await test(body);
      expect(res.status).toBe(400);
      expect({ code: res.body.code, detail: res.body.detail, errors: res.body.errors }).toEqual({
        code: saved.body.code,
        detail: saved.body.detail,
        errors: saved.body.errors,
      });
    }
    expect(saved.body.errors).toEqual([
      { path: '/targets/0/endpoint', message: 'endpoint nope does not exist' },
    ]);

    const badFilter = await test({ pattern: { type: ['x'] }, filter: 'function nope() {}', since });
    expect(badFilter.status).toBe(400);
    expect(badFilter.body.code).toBe('EH_SCRIPT_INVALID');
    expect(badFilter.body.errors[0].path).toBe('/filter');
  });

  it('tests a stored event by id as routing sees it: its envelope, not the GET /events answer', async () => {
    const published = await t.api.post(`${base}/events`, {
      type: 'env.correlated',
      correlationid: 'corr-7',
      data: { who: 'd' },
    });
    const eventId = published.body.eventId as string;
    const byId = await test({
      eventId,
      pattern: { correlationid: ['corr-7'] },
      targets: [{ type: 'task', kind: 'k', input: { jmespath: '{corr: correlationid, who: data.who}' } }],
    });
    expect(byId.status, byId.text).toBe(200);
    expect(byId.body).toMatchObject({ match: true, targets: [{ input: { corr: 'corr-7', who: 'd' } }] });
    // The API's answer names it correlationId: pasted as the event, the envelope's pattern does not match it.
    const pasted = (await t.api.get(`${base}/events/${eventId}`)).body;
    expect(pasted.correlationId).toBe('corr-7');
    expect((await test({ event: pasted, pattern: { correlationid: ['corr-7'] } })).body.match).toBe(false);

    const both = await test({ eventId, event: pasted, pattern: { type: ['x'] } });
    expect(both.body.errors).toEqual([{ path: '/eventId', message: 'give event or eventId, not both' }]);
    const missing = await test({ eventId: 'evt_nope', pattern: { type: ['x'] } });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('EH_EVENT_NOT_FOUND');
  });

  it('takes either a sample event or a backtest range, never both, and says which field is wrong', async () => {
    const both = await test({ pattern: { type: ['env.probe'] }, event: { type: 'env.probe' }, since });
    expect(both.status).toBe(400);
    expect(both.body).toMatchObject({
      code: 'EH_REQUEST_INVALID',
      detail: '/since: is for a backtest, which cannot be combined with event',
      errors: [{ path: '/since', message: 'is for a backtest, which cannot be combined with event' }],
    });
    const limitWithEvent = await test({ event: {}, limit: 5 });
    expect(limitWithEvent.body.errors).toEqual([
      { path: '/limit', message: 'is for a backtest, which cannot be combined with event' },
    ]);
    const neither = await test({ pattern: { type: ['env.probe'] } });
    expect(neither.status).toBe(400);
    expect(neither.body.errors).toEqual([
      { path: '/event', message: 'is required, unless since is given to backtest stored events' },
    ]);
    const noPattern = await test({ since });
    expect(noPattern.body.errors).toEqual([{ path: '/pattern', message: 'is required to backtest' }]);
    const backwards = await test({ pattern: { type: ['x'] }, since, until: since });
    expect(backwards.body.errors).toEqual([{ path: '/until', message: 'must be after since' }]);
    // Without until, a since in the future is what is wrong: the user gave no until to blame.
    const future = await test({
      pattern: { type: ['x'] },
      since: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect(future.status).toBe(400);
    expect(future.body.errors).toEqual([
      {
        path: '/since',
        message: 'is in the future: a backtest reads events stored from since until now (or until)',
      },
    ]);
  });
});
