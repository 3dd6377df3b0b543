// `eventhook rekey` on a deployment whose master key was generated into <dataDir>/master.key (no
// EVENTHOOK_MASTER_KEY): it says which key now opens the secrets, the file, rather than a variable nobody set.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { runCli } from './helpers.js';

describe('eventhook rekey with a generated master key', { timeout: 60_000 }, () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('sqlite');
    const created = await t.api.post('/api/orgs/default/eventhook/sources', {
      slug: 'gh',
      provider: 'github',
      secret: 'rekey-test-secret',
    });
    expect(created.status, created.text).toBe(201);
  });
  afterAll(async () => t?.close());

  it('names the master.key file as the key that opens the secrets', async () => {
    const r = await runCli(['rekey'], { EVENTHOOK_DATA_DIR: t.dataDir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('was already sealed with the current master key (1)');
    expect(r.stdout).toContain(`Only the master key in ${join(t.dataDir, 'master.key')} opens them.`);
    expect(r.stdout).not.toContain('EVENTHOOK_MASTER_KEY');
  });
});
