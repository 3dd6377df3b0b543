// `eventhook whoami` as a user runs it against a real server: who each kind of key is and what its role may do,
// and the server's own words when the key or the org is wrong.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiKeyRole } from '../../src/store/records.js';
import { OPERATOR_TOKEN, startTestApp, type TestApp } from '../helpers/app.js';
import { runCli, runJson } from './helpers.js';

interface MadeKey {
  id: string;
  key: string;
}

// Each CLI run is a fresh Node process (about a second with tsx, more on a busy machine).
describe('eventhook whoami', { timeout: 120_000 }, () => {
  let t: TestApp;
  const keys: Partial<Record<ApiKeyRole, MadeKey>> = {};
  /** The CLI's environment for one key, as a user sets it. */
  const as = (key: string) => ({ EVENTHOOK_URL: t.url, EVENTHOOK_KEY: key });

  beforeAll(async () => {
    t = await startTestApp('sqlite');
    for (const role of ['admin', 'member', 'publisher', 'worker'] as const) {
      const made = await t.api.post('/api/orgs/default/api-keys', { name: `${role}-cli`, role });
      expect(made.status, made.text).toBe(201);
      keys[role] = { id: made.body.id, key: made.body.key };
    }
    expect((await t.api.post('/api/orgs', { slug: 'shop' })).status).toBe(201);
  });
  afterAll(() => t?.close());

  it('names a key of the org: its org, role, name, id and what the role may do', async () => {
    const expected: [ApiKeyRole, string][] = [
      ['admin', 'read, read-promise, write, replay, cancel, publish, work, self'],
      ['member', 'read, read-promise, replay, cancel, self'],
      // A publisher may read nothing of the org, yet may ask who it is.
      ['publisher', 'publish, self'],
      // A worker of the local engine: claims and settles work, reads the promises its workflows wait on.
      ['worker', 'read-promise, work, self'],
    ];
    for (const [role, permissions] of expected) {
      const r = await runCli(['whoami'], as(keys[role]!.key));
      expect({ role, ...r }).toEqual({
        role,
        code: 0,
        stderr: '',
        stdout:
          'kind:        key\n' +
          'org:         default\n' +
          `role:        ${role}\n` +
          `name:        ${role}-cli\n` +
          `id:          ${keys[role]!.id}\n` +
          'expires:     never\n' +
          `permissions: ${permissions}\n`,
      });
    }
    // JSON is the server's answer as is, for scripts.
    expect(await runJson(['whoami'], as(keys.member!.key))).toEqual({
      kind: 'key',
      org: 'default',
      id: keys.member!.id,
      name: 'member-cli',
      role: 'member',
      expiresAt: null,
      permissions: ['read', 'read-promise', 'replay', 'cancel', 'self'],
    });
  });

  it('names the operator token, for the org asked (--org)', async () => {
    const r = await runCli(['--org', 'shop', 'whoami'], as(OPERATOR_TOKEN));
    expect(r).toEqual({
      code: 0,
      stderr: '',
      stdout:
        'kind:        operator\n' +
        'org:         shop\n' +
        'permissions: everything, in every org (and creating orgs)\n',
    });
    expect(await runJson(['whoami'], as(OPERATOR_TOKEN))).toEqual({ kind: 'operator' });
  });

  it('prints the problem the server gave: a wrong key, an unknown org, another org, no key', async () => {
    const cases: [string[], Record<string, string>, string][] = [
      [['whoami'], as('ehk_not-a-key'), 'The API key is not valid [EH_AUTH_INVALID]'],
      [['--org', 'nowhere', 'whoami'], as(OPERATOR_TOKEN), 'Org nowhere was not found [EH_ORG_NOT_FOUND]'],
      // A key used on another org learns nothing of it: the same answer as an org that does not exist.
      [['--org', 'shop', 'whoami'], as(keys.member!.key), 'Org shop was not found [EH_ORG_NOT_FOUND]'],
      [
        ['whoami'],
        { EVENTHOOK_URL: t.url },
        'no API key: give --key <key> or set EVENTHOOK_KEY (an API key of the org, or the operator token) [EH_AUTH_MISSING]',
      ],
    ];
    for (const [args, env, message] of cases) {
      const r = await runCli(args, env);
      expect({ args, ...r }).toEqual({ args, code: 1, stdout: '', stderr: `eventhook: ${message}\n` });
    }
  });
});
