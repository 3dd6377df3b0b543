// `--source` of `list events` and `replay` goes to the server as given: a slug, an id or an envelope source. A bare
// name no source has is refused with the server's hint, since it is usually an application's name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { runCli, runJson, serverEnv, startCli } from './helpers.js';

const API = '/api/orgs/default/eventhook';

describe('eventhook --source', { timeout: 120_000 }, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
    expect((await t.api.post(`${API}/events`, { type: 'order.paid', source: 'checkout' })).status).toBe(200);
  });
  afterAll(() => t?.close());

  it('takes an envelope source, and refuses an unknown bare name with a hint', async () => {
    const env = serverEnv(t);
    expect((await runJson(['list', 'events', '--source', 'app:checkout'], env)).items).toHaveLength(1);
    const hint = [
      'eventhook: Source checkout was not found [EH_SOURCE_NOT_FOUND]',
      '  --source: no source has slug checkout; did you mean app:checkout?',
      '',
    ].join('\n');
    expect(await runCli(['list', 'events', '--source', 'checkout'], env)).toEqual({
      code: 1,
      stdout: '',
      stderr: hint,
    });
    expect((await runCli(['replay', '--source', 'checkout', '--dry-run'], env)).stderr).toContain(
      '/filter/source: no source has slug checkout; did you mean app:checkout?',
    );
  });

  it('tail refuses a bare name no source has, as list events does, rather than follow webhook:<name> for ever', async () => {
    const env = serverEnv(t);
    const hint = [
      'eventhook: Source checkout was not found [EH_SOURCE_NOT_FOUND]',
      '  --source: no source has slug checkout; did you mean app:checkout?',
      '',
    ].join('\n');
    for (const mode of [[], ['--poll']])
      expect(await runCli(['tail', '--source', 'checkout', '-n', '1', ...mode], env)).toEqual({
        code: 1,
        stdout: '',
        stderr: hint,
      });
    // A source that exists is followed: its webhooks' events are webhook:<slug>.
    const created = await t.api.post(`${API}/sources`, { slug: 'shop', verifier: { type: 'none' } });
    expect(created.status, created.text).toBe(201);
    const tail = startCli(['tail', '--source', 'shop', '-n', '1', '-o', 'json'], env);
    await eventually(
      async () => tail.output().stderr.includes('following the live stream') || undefined,
      20_000,
      'tail to connect',
    );
    const sent = await fetch(`${t.url}${API}/in/shop`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ order: 1 }),
    });
    expect(sent.status).toBe(200);
    const out = await tail.result;
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ source: 'webhook:shop', data: { order: 1 } });
  });
});
