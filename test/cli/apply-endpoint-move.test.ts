// `eventhook apply` of a file that moves an endpoint to another origin: the server keeps sealed credentials only on
// their origin and wants them given again, so apply sends the file's auth and secret headers along with the new URL,
// though they did not change. Real server, the CLI as a child process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { runCli, serverEnv, tempDir } from './helpers.js';

const API = '/api/orgs/default/eventhook';
const fileFor = (host: string) => `endpoints:
  - slug: crm
    url: https://${host}/hooks
    auth:
      type: bearer
      token: \${CRM_TOKEN}
    secretHeaders:
      x-api-key: \${CRM_KEY}
`;

describe('eventhook apply moving an endpoint to another origin', { timeout: 120_000 }, () => {
  let t: TestApp;
  let env: Record<string, string>;
  const files = tempDir();

  beforeAll(async () => {
    t = await startTestApp('sqlite');
    env = { ...serverEnv(t), CRM_TOKEN: 'token-Vb8Qe2', CRM_KEY: 'key-Jm4Ts7' };
    const created = await runCli(['apply', '-f', files.write('a.yaml', fileFor('crm.example.com'))], env);
    expect(created.code, created.stderr).toBe(0);
  });
  afterAll(() => t?.close());

  it('sends the credentials again with the new URL, and the endpoint keeps them', async () => {
    const moved = await runCli(['apply', '-f', files.write('b.yaml', fileFor('crm.example.org'))], env);
    expect(moved.code, moved.stderr).toBe(0);
    const endpoint = (await t.api.get(`${API}/endpoints/crm`)).body;
    expect(endpoint.url).toBe('https://crm.example.org/hooks');
    expect(endpoint.auth).toMatchObject({ type: 'bearer' });
    expect(endpoint.secretHeaders).toEqual({ 'x-api-key': '[redacted]' });

    const again = await runCli(['apply', '-f', files.write('c.yaml', fileFor('crm.example.org'))], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).not.toContain('~ endpoint crm');
  });
});
