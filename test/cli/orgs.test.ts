// `eventhook orgs` as an operator runs it against a real server: an org made from the command line is listed and
// takes its first key from `keys create`; a bad slug, a taken one and a key that is not the operator's get the
// server's own words; an org is renamed, and deleted only with its slug confirmed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN, startTestApp, type TestApp } from '../helpers/app.js';
import { runCli, runJson } from './helpers.js';

describe('eventhook orgs', { timeout: 120_000 }, () => {
  let t: TestApp;
  const as = (key: string) => ({ EVENTHOOK_URL: t.url, EVENTHOOK_KEY: key });

  beforeAll(async () => {
    t = await startTestApp('sqlite');
  });
  afterAll(() => t?.close());

  it('creates an org, lists it, and gives it its first key', async () => {
    const made = await runJson(['orgs', 'create', 'acme', '--name', 'Acme Inc.'], as(OPERATOR_TOKEN));
    expect(made).toMatchObject({ slug: 'acme', name: 'Acme Inc.' });
    const listed = await runCli(['orgs', 'list'], as(OPERATOR_TOKEN));
    expect(listed.code, listed.stderr).toBe(0);
    const rows = listed.stdout
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => l.split(/ {2,}/).slice(0, 2));
    expect(rows).toEqual([
      ['acme', 'Acme Inc.'],
      ['default', 'Default'],
    ]);
    const key = await runJson(
      ['--org', 'acme', 'keys', 'create', 'acme-admin', '--role', 'admin'],
      as(OPERATOR_TOKEN),
    );
    const me = await t.api.as(key.key).get('/api/orgs/acme/me');
    expect(me.body).toMatchObject({ org: 'acme', name: 'acme-admin', role: 'admin' });
  });

  it("prints the server's problem for a bad or taken slug and for a key of an org", async () => {
    const bad = await runCli(['orgs', 'create', 'Not A Slug'], as(OPERATOR_TOKEN));
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('<slug>: ');
    const taken = await runCli(['orgs', 'create', 'default'], as(OPERATOR_TOKEN));
    expect(taken.code).not.toBe(0);
    expect(taken.stderr).toContain('EH_ORG_EXISTS');
    const admin = (await t.api.post('/api/orgs/default/api-keys', { name: 'a', role: 'admin' })).body.key;
    const refused = await runCli(['orgs', 'list'], as(admin));
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('EH_AUTH_FORBIDDEN');
  });

  it('renames an org, and deletes one only when the slug is confirmed', async () => {
    await runJson(['orgs', 'create', 'initech'], as(OPERATOR_TOKEN));
    const renamed = await runJson(['orgs', 'rename', 'initech', 'Initech LLC'], as(OPERATOR_TOKEN));
    expect(renamed).toMatchObject({ slug: 'initech', name: 'Initech LLC', deletedAt: null });

    const unconfirmed = await runCli(['orgs', 'delete', 'initech'], as(OPERATOR_TOKEN));
    expect(unconfirmed.code).not.toBe(0);
    expect(unconfirmed.stderr).toContain('--confirm');
    const mistaken = await runCli(['orgs', 'delete', 'initech', '--confirm', 'acme'], as(OPERATOR_TOKEN));
    expect(mistaken.code).not.toBe(0);
    expect(mistaken.stderr).toContain('give --confirm initech');
    expect((await t.api.get('/api/orgs/initech')).status).toBe(200);

    const deleted = await runCli(['orgs', 'delete', 'initech', '--confirm', 'initech'], as(OPERATOR_TOKEN));
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain('Deleted org initech');
    expect((await t.api.get('/api/orgs/initech')).status).toBe(404);
    const listed = await runCli(['orgs', 'list'], as(OPERATOR_TOKEN));
    expect(listed.stdout).not.toContain('initech');
    const all = await runCli(['orgs', 'list', '--include-deleted'], as(OPERATOR_TOKEN));
    expect(all.stdout).toMatch(/initech +Initech LLC +\S+ +\d{4}-/);
    const again = await runCli(['orgs', 'delete', 'initech', '--confirm', 'initech'], as(OPERATOR_TOKEN));
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('EH_ORG_NOT_FOUND');
  });
});
