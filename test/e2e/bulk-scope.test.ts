// Bulk replay and retry act on the whole org only when asked to (`all: true`): an empty filter is refused, so a
// filter built from values that turned out missing cannot replay every event (system events included) or retry
// every dead action.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeadEndRule, eventually, startTestApp, type TestApp } from '../helpers/app.js';

const API = '/api/orgs/default/eventhook';

describe('bulk replay and retry scope', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
    // One target that cannot succeed, one attempt: a dead action to retry.
    await createDeadEndRule(t.api, { name: 'doomed', type: 'doomed.thing' });
    await t.api.post(`${API}/events`, { type: 'doomed.thing' });
    await t.api.post(`${API}/events`, { type: 'other.thing' });
    await eventually(
      async () => (await t.api.get(`${API}/actions?status=dead`)).body.items.length === 1 || undefined,
    );
  });
  afterAll(() => t?.close());

  const refused = (path: string, message: string) => ({
    status: 400,
    code: 'EH_REQUEST_INVALID',
    errors: [{ path, message }],
  });
  const post = async (path: string, body: unknown) => {
    const res = await t.api.post(`${API}${path}`, body);
    return res.status === 200
      ? { status: 200, ...res.body }
      : { status: res.status, code: res.body.code, errors: res.body.errors };
  };

  it('replay refuses an empty filter unless all is true, and all with a filter', async () => {
    const empty = refused(
      '/filter',
      'is empty: give at least one of source, type, status, since, until, q, body, or all: true to replay every event',
    );
    expect(await post('/events/replay', { dryRun: true })).toEqual(empty);
    expect(await post('/events/replay', { filter: {}, dryRun: true })).toEqual(empty);
    expect(
      await post('/events/replay', { filter: { type: 'doomed.thing' }, all: true, dryRun: true }),
    ).toEqual(refused('/all', 'cannot be combined with a filter: all: true would replay every event'));
    // Every event: the two published, and the action.dead the doomed action stored as it died.
    expect(await post('/events/replay', { all: true, dryRun: true })).toEqual({
      status: 200,
      count: 3,
      dryRun: true,
      truncated: false,
    });
    expect(await post('/events/replay', { filter: { type: 'other.thing' }, dryRun: true })).toMatchObject({
      status: 200,
      count: 1,
    });
  });

  it('retry refuses an empty filter unless all is true; status dead names the dead-letter queue', async () => {
    const empty = refused(
      '/filter',
      'is empty: give at least one of status, rule, endpoint, event, targetType, or all: true to retry every dead action',
    );
    expect(await post('/actions/retry', {})).toEqual(empty);
    expect(await post('/actions/retry', { filter: {}, dryRun: true })).toEqual(empty);
    expect(await post('/actions/retry', { filter: { status: 'dead' }, all: true })).toEqual(
      refused('/all', 'cannot be combined with a filter: all: true would retry every dead action'),
    );
    const one = { status: 200, count: 1, dryRun: true, truncated: false };
    expect(await post('/actions/retry', { all: true, dryRun: true })).toEqual(one);
    expect(await post('/actions/retry', { filter: { status: 'dead' }, dryRun: true })).toEqual(one);
  });
});
