// `--source` of `list events` and `replay` goes to the server as given: a slug, an id or an envelope source. A bare
// name no source has is refused with the server's hint, since it is usually an application's name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { runCli, runJson, serverEnv } from './helpers.js';

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
      '  query parameter source: no source has slug checkout; did you mean app:checkout?',
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
});
