// `eventhook list audit-log` as a user runs it against a real server: who changed what, newest first, narrowed and
// paged, and the server's own words when the key may not read it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { runCli, runJson } from './helpers.js';

// Each CLI run is a fresh Node process (about a second with tsx, more on a busy machine).
describe('eventhook list audit-log', { timeout: 120_000 }, () => {
  let t: TestApp;
  let admin: string;
  let publisher: string;
  const as = (key: string) => ({ EVENTHOOK_URL: t.url, EVENTHOOK_KEY: key });

  beforeAll(async () => {
    t = await startTestApp('sqlite');
    admin = (await t.api.post('/api/orgs/default/api-keys', { name: 'dana', role: 'admin' })).body.key;
    publisher = (await t.api.post('/api/orgs/default/api-keys', { name: 'app', role: 'publisher' })).body.key;
    const dana = t.api.as(admin);
    expect(
      (
        await dana.post('/api/orgs/default/eventhook/endpoints', {
          slug: 'crm',
          url: 'https://example.com/h',
        })
      ).status,
    ).toBe(201);
    expect(
      (await dana.patch('/api/orgs/default/eventhook/endpoints/crm', { timeoutMs: 5000, description: 'CRM' }))
        .status,
    ).toBe(200);
    expect(
      (
        await dana.post('/api/orgs/default/eventhook/sources', {
          slug: 'gh',
          provider: 'github',
          secret: 's',
        })
      ).status,
    ).toBe(201);
  });
  afterAll(() => t?.close());

  it('prints the changes newest first with who made them and the fields they set', async () => {
    const r = await runCli(['list', 'audit-log'], as(admin));
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TIME +BY +ACTION +RESOURCE +NAME +FIELDS$/);
    const rows = lines.slice(1).map((l) => l.split(/ {2,}/).slice(1));
    expect(rows).toEqual([
      ['dana (admin)', 'created', 'source', 'gh', 'provider,secret,slug'],
      ['dana (admin)', 'updated', 'endpoint', 'crm', 'description,timeoutMs'],
      ['dana (admin)', 'created', 'endpoint', 'crm', 'slug,url'],
      ['operator', 'created', 'api_key', 'app', 'name,role'],
      ['operator', 'created', 'api_key', 'dana', 'name,role'],
    ]);
  });

  it('narrows to a resource and a name, and pages with the cursor it prints', async () => {
    const first = await runCli(
      ['list', 'audit', '--resource', 'endpoint', '--name', 'crm', '--limit', '1'],
      as(admin),
    );
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('updated');
    const more = /More: --cursor (\S+)/.exec(first.stdout);
    expect(more).not.toBeNull();
    const second = await runJson(
      ['list', 'audit', '--resource', 'endpoint', '--name', 'crm', '--limit', '1', '--cursor', more![1]!],
      as(admin),
    );
    expect(second.items.map((e: { action: string }) => e.action)).toEqual(['created']);
    expect(second.nextCursor).toBeNull();
  });

  it('narrows to the changes one key made (--by)', async () => {
    const made = (await t.api.get('/api/orgs/default/eventhook/audit-log')).body.items;
    const danaId = made.find((e: { name: string }) => e.name === 'dana').resourceId;
    const byDana = await runJson(['list', 'audit-log', '--by', danaId], as(admin));
    expect(byDana.items.map((e: { action: string; name: string }) => `${e.action} ${e.name}`)).toEqual([
      'created gh',
      'updated crm',
      'created crm',
    ]);
  });

  it('says why a key that may not read the org cannot list it', async () => {
    const r = await runCli(['list', 'audit-log'], as(publisher));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('EH_AUTH_FORBIDDEN');
  });
});
