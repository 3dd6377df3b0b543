// Filters that name an event, a rule, an endpoint or a source take the names users know (a rule's name, an
// endpoint's slug, a source's slug) and refuse one that does not exist with a located 404, rather than answering an
// empty list or `count: 0` that reads as "nothing failed". A deleted rule's id still finds its actions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeadEndRule, eventually, startTestApp, type TestApp } from '../helpers/app.js';

const API = '/api/orgs/default/eventhook';
const UNKNOWN_RULE = 'rule_01J00000000000000000000000';
const UNKNOWN_EVENT = 'evt_01J00000000000000000000000';

describe('filters by name', () => {
  let t: TestApp;
  let ruleId: string;
  let dead: string;
  let parked: string;

  const actionsOf = async (eventId: string) =>
    (await t.api.get(`${API}/actions?event=${eventId}`)).body.items as { id: string; status: string }[];
  const ids = async (query: string) => {
    const res = await t.api.get(`${API}/actions?${query}`);
    expect(res.status, res.text).toBe(200);
    return (res.body.items as { id: string }[]).map((a) => a.id);
  };
  const problem = async (res: Promise<{ status: number; body: any }>) => {
    const { status, body } = await res;
    return { status, code: body.code, detail: body.detail, errors: body.errors };
  };

  beforeAll(async () => {
    t = await startTestApp('sqlite');
    ruleId = (await createDeadEndRule(t.api, { name: 'big-fwd', type: 'big.thing' })).id;
    const endpoint = await t.api.post(`${API}/endpoints`, {
      slug: 'parked',
      url: 'https://parked.example.com/hooks',
      status: 'paused',
    });
    expect(endpoint.status, endpoint.text).toBe(201);
    const hooks = await t.api.post(`${API}/rules`, {
      name: 'to-parked',
      pattern: { type: ['parked.thing'] },
      targets: [{ type: 'webhook', endpoint: 'parked' }],
    });
    expect(hooks.status, hooks.text).toBe(201);
    const big = await t.api.post(`${API}/events`, { type: 'big.thing', source: 'checkout' });
    const held = await t.api.post(`${API}/events`, { type: 'parked.thing', source: 'checkout' });
    [dead, parked] = await eventually(async () => {
      const [a] = await actionsOf(big.body.eventId);
      const [b] = await actionsOf(held.body.eventId);
      return a?.status === 'dead' && b ? [a.id, b.id] : undefined;
    });
  });
  afterAll(() => t?.close());

  it('actions: a rule by id or name, an endpoint by slug; one that does not exist is a located 404', async () => {
    expect(await ids('rule=big-fwd')).toEqual([dead]);
    expect(await ids(`rule=${ruleId}`)).toEqual([dead]);
    expect(await ids('endpoint=parked')).toEqual([parked]);
    expect(await problem(t.api.get(`${API}/actions?rule=to-broken`))).toEqual({
      status: 404,
      code: 'EH_RULE_NOT_FOUND',
      detail: 'Rule to-broken was not found',
      errors: [{ in: 'query', path: '/rule', message: 'no rule has this id or name' }],
    });
    expect(await problem(t.api.get(`${API}/actions?rule=${UNKNOWN_RULE}`))).toMatchObject({
      status: 404,
      errors: [{ in: 'query', path: '/rule', message: 'no rule has this id' }],
    });
    expect(await problem(t.api.get(`${API}/actions?status=dead&endpoint=nope`))).toEqual({
      status: 404,
      code: 'EH_ENDPOINT_NOT_FOUND',
      detail: 'Endpoint nope was not found',
      errors: [{ in: 'query', path: '/endpoint', message: 'no endpoint has this slug' }],
    });
    // An event as the rule and the endpoint: its id finds its actions, an id no event has is a 404.
    const [event] = (await t.api.get(`${API}/events?type=big.thing`)).body.items as { id: string }[];
    expect(await ids(`event=${event!.id}`)).toEqual([dead]);
    expect(await problem(t.api.get(`${API}/actions?event=${UNKNOWN_EVENT}`))).toEqual({
      status: 404,
      code: 'EH_EVENT_NOT_FOUND',
      detail: `Event ${UNKNOWN_EVENT} was not found`,
      errors: [{ in: 'query', path: '/event', message: 'no event has this id' }],
    });
    expect(await problem(t.api.get(`${API}/actions?event=${ruleId}`))).toMatchObject({
      status: 404,
      errors: [{ in: 'query', path: '/event', message: 'not an event id (evt_…)' }],
    });
    // Another org's event is no event of this one.
    await t.api.post('/api/orgs', { slug: 'other', name: 'Other' });
    expect((await t.api.get(`/api/orgs/other/eventhook/actions?event=${event!.id}`)).status).toBe(404);
  });

  it('bulk retry resolves the same names, and refuses unknown ones at their field in the body', async () => {
    const dry = { dryRun: true, truncated: false };
    expect(
      (await t.api.post(`${API}/actions/retry`, { filter: { rule: 'big-fwd' }, dryRun: true })).body,
    ).toEqual({
      count: 1,
      ...dry,
    });
    expect(
      await problem(t.api.post(`${API}/actions/retry`, { filter: { rule: 'to-broken' }, dryRun: true })),
    ).toMatchObject({ status: 404, code: 'EH_RULE_NOT_FOUND', errors: [{ path: '/filter/rule' }] });
    expect(
      await problem(t.api.post(`${API}/actions/retry`, { filter: { endpoint: 'nope' }, dryRun: true })),
    ).toMatchObject({ status: 404, code: 'EH_ENDPOINT_NOT_FOUND', errors: [{ path: '/filter/endpoint' }] });
    expect(
      await problem(t.api.post(`${API}/actions/retry`, { filter: { event: UNKNOWN_EVENT }, dryRun: true })),
    ).toMatchObject({ status: 404, code: 'EH_EVENT_NOT_FOUND', errors: [{ path: '/filter/event' }] });
  });

  it('events: a source by slug or envelope source; a bare application name gets a hint', async () => {
    const source = await t.api.post(`${API}/sources`, { slug: 'gh', provider: 'github', secret: 's3cret' });
    expect(source.status, source.text).toBe(201);
    expect((await t.api.get(`${API}/events?source=gh`)).body.items).toEqual([]);
    expect((await t.api.get(`${API}/events?source=${source.body.id}`)).status).toBe(200);
    expect((await t.api.get(`${API}/events?source=app:checkout`)).body.items).toHaveLength(2);
    expect(await problem(t.api.get(`${API}/events?source=checkout`))).toEqual({
      status: 404,
      code: 'EH_SOURCE_NOT_FOUND',
      detail: 'Source checkout was not found',
      errors: [
        { in: 'query', path: '/source', message: 'no source has slug checkout; did you mean app:checkout?' },
      ],
    });
    expect(await problem(t.api.get(`${API}/events?source=workflows`))).toMatchObject({
      errors: [{ message: 'no source has slug workflows; did you mean system:workflows?' }],
    });
    expect(await problem(t.api.get(`${API}/events?source=webhook:nope`))).toMatchObject({
      status: 404,
      errors: [{ in: 'query', path: '/source', message: 'no source has slug nope' }],
    });
    expect(
      await problem(t.api.post(`${API}/events/replay`, { filter: { source: 'checkout' }, dryRun: true })),
    ).toMatchObject({ status: 404, code: 'EH_SOURCE_NOT_FOUND', errors: [{ path: '/filter/source' }] });
    // A deleted source's slug still finds its events (by their envelope source).
    expect((await t.api.delete(`${API}/sources/gh`)).status).toBe(204);
    expect((await t.api.get(`${API}/events?source=gh`)).status).toBe(200);
  });

  it('a deleted rule’s actions are found by its id; its name is refused with the ids to use', async () => {
    expect((await t.api.delete(`${API}/rules/big-fwd`)).status).toBe(204);
    expect(await ids(`rule=${ruleId}`)).toEqual([dead]);
    expect(await problem(t.api.get(`${API}/actions?rule=big-fwd`))).toMatchObject({
      status: 404,
      errors: [
        {
          in: 'query',
          path: '/rule',
          message: `rule big-fwd was deleted; give its id to see its actions (${ruleId})`,
        },
      ],
    });
  });
});
