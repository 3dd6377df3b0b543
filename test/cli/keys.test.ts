// `eventhook keys` as an admin runs it against a real server: a key made with a role and an expiry works (and is
// printed once), is listed with its state and expiry, and stops working once revoked; the server's own words when
// the expiry is past or the key may not manage keys.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { runCli, runJson } from './helpers.js';

describe('eventhook keys', { timeout: 120_000 }, () => {
  let t: TestApp;
  let admin: string;
  const as = (key: string) => ({ EVENTHOOK_URL: t.url, EVENTHOOK_KEY: key });

  beforeAll(async () => {
    t = await startTestApp('sqlite');
    admin = (await t.api.post('/api/orgs/default/api-keys', { name: 'root', role: 'admin' })).body.key;
  });
  afterAll(() => t?.close());

  it('makes a key with a role and an expiry, lists it, and revokes it', async () => {
    const before = Date.now();
    const made = await runCli(
      ['keys', 'create', 'ci deploy', '--role', 'member', '--expires-in', '30d'],
      as(admin),
    );
    expect(made.code, made.stderr).toBe(0);
    expect(made.stderr).toContain('shown only now');
    const key = /^key: +(ehk_\S+)$/m.exec(made.stdout)?.[1];
    const id = /^id: +(key_\S+)$/m.exec(made.stdout)?.[1];
    const expiresAt = /^expiresAt: +(\S+)$/m.exec(made.stdout)?.[1];
    expect(key).toBeDefined();
    const expiry = Date.parse(expiresAt!);
    expect(expiry).toBeGreaterThanOrEqual(before + 30 * 86_400_000);
    expect(expiry).toBeLessThanOrEqual(Date.now() + 30 * 86_400_000);

    const me = await t.api.as(key).get('/api/orgs/default/me');
    expect(me.body).toMatchObject({ id, name: 'ci deploy', role: 'member', expiresAt });

    const listed = await runCli(['keys', 'list'], as(admin));
    expect(listed.code, listed.stderr).toBe(0);
    const row = listed.stdout.split('\n').find((l) => l.includes(id!));
    // Last used: the call above.
    expect(row?.split(/ {2,}/)).toEqual([
      'ci deploy',
      'member',
      'active',
      expiresAt,
      expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      id,
    ]);
    expect(listed.stdout).not.toContain(key);

    const revoked = await runCli(['keys', 'revoke', id!], as(admin));
    expect(revoked).toMatchObject({ code: 0, stdout: `Revoked API key ${id}.\n` });
    expect((await t.api.as(key).get('/api/orgs/default/me')).status).toBe(401);
    const after = await runJson(['keys', 'list'], as(admin));
    expect(after.items.find((k: { id: string }) => k.id === id).revokedAt).not.toBeNull();
  });

  it("prints the server's problem for an expiry in the past and for a key that may not manage keys", async () => {
    const late = await runCli(
      ['keys', 'create', 'late', '--role', 'member', '--expires-at', '2020-01-01T00:00:00Z'],
      as(admin),
    );
    expect(late.code).not.toBe(0);
    expect(late.stderr).toContain('--expires-at: must be in the future');
    const member = (await t.api.post('/api/orgs/default/api-keys', { name: 'm', role: 'member' })).body.key;
    const refused = await runCli(['keys', 'list'], as(member));
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('EH_AUTH_FORBIDDEN');
    // Listing is not a change of configuration, so the refusal does not call it one.
    expect(refused.stderr).toContain('The member role may not manage API keys');
    const noRole = await runCli(['keys', 'create', 'x'], as(admin));
    expect(noRole.code).not.toBe(0);
    expect(noRole.stderr).toContain('--role');
  });
});
