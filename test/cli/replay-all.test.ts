// `eventhook replay --all` asks the server for every event (`all: true`); with filters it is a usage error, as the
// server refuses both at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { runCli, runJson, serverEnv } from './helpers.js';

const API = '/api/orgs/default/eventhook';

describe('eventhook replay --all', { timeout: 120_000 }, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
    const published = await t.api.post(`${API}/events`, { type: 'order.paid' });
    await eventually(
      async () =>
        (await t.api.get(`${API}/events/${published.body.eventId}`)).body.status === 'unrouted' || undefined,
    );
  });
  afterAll(() => t?.close());

  it('replays every event with --all alone, and refuses --all with a filter', async () => {
    const env = serverEnv(t);
    expect(await runJson(['replay', '--all', '--dry-run'], env)).toEqual({
      count: 1,
      dryRun: true,
      truncated: false,
    });
    expect(await runCli(['replay', '--all', '--type', 'order.paid', '--dry-run'], env)).toEqual({
      code: 1,
      stdout: '',
      stderr: 'eventhook: --all replays every event; give it without filters; see eventhook replay --help\n',
    });
  });
});
