// `eventhook apply --rotate-secrets` with a file whose secrets are the ones the server already has: nothing is
// rotated (no second copy of the secret, no grace period put on the one in use), and the report says so. A changed
// secret still rotates. Real server, the CLI as a child process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { runCli, runJson, serverEnv, tempDir } from './helpers.js';

const API = '/api/orgs/default/eventhook';
const FILE = `sources:
  - slug: github
    provider: github
    secret: \${GH_SECRET}
endpoints:
  - slug: crm
    url: https://crm.example.com/hooks
    secret: \${CRM_SECRET}
`;
const CRM_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const CRM_SECRET_2 = 'whsec_dGhpcyBpcyBhIG5ldyBzZWNyZXQga2V5IQ==';

describe('eventhook apply --rotate-secrets with unchanged secrets', { timeout: 120_000 }, () => {
  let t: TestApp;
  let env: Record<string, string>;
  const files = tempDir();
  const file = files.write('eventhook.yaml', FILE);

  beforeAll(async () => {
    t = await startTestApp('sqlite');
    env = { ...serverEnv(t), GH_SECRET: 'gh-secret-1', CRM_SECRET };
    const created = await runCli(['apply', '-f', file], env);
    expect(created.code, created.stderr).toBe(0);
  });
  afterAll(() => t?.close());

  const secretsOf = async (path: string) =>
    (await t.api.get(`${API}/${path}`)).body.secrets as { id: string; expiresAt: string | null }[];

  it('rotates nothing when the file has the current secrets, and says so', async () => {
    const before = { source: await secretsOf('sources/github'), endpoint: await secretsOf('endpoints/crm') };
    const run = await runCli(['apply', '-f', file, '--rotate-secrets'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      [
        '~ endpoint crm',
        '    secrets: (write-only) re-sent',
        '    secrets: unchanged, not rotated',
        '~ source github',
        '    secret: (write-only) re-sent',
        '    secret: unchanged, not rotated',
        '',
      ].join('\n'),
    );
    expect(await secretsOf('sources/github')).toEqual(before.source);
    expect(await secretsOf('endpoints/crm')).toEqual(before.endpoint);
    expect(before.endpoint).toEqual([expect.objectContaining({ expiresAt: null })]);

    const json = (await runJson(['apply', '-f', file, '--rotate-secrets'], env)) as {
      changes: { key: string; rotated: string[]; unchangedSecrets?: string[] }[];
    };
    expect(json.changes.map((c) => [c.key, c.unchangedSecrets])).toEqual([
      ['crm', ['secrets']],
      ['github', ['secret']],
    ]);
  });

  it('still rotates a secret the file changed', async () => {
    const run = await runCli(['apply', '-f', file, '--rotate-secrets'], {
      ...env,
      GH_SECRET: 'gh-secret-2',
      CRM_SECRET: CRM_SECRET_2,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toContain('not rotated');
    for (const path of ['sources/github', 'endpoints/crm']) {
      const secrets = await secretsOf(path);
      expect(secrets, path).toHaveLength(2);
      expect(
        secrets.filter((s) => s.expiresAt === null),
        path,
      ).toHaveLength(1);
    }
  });
});
