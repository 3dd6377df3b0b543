// GET /api/orgs/{org}/me: every key of the org learns its own role and permissions (what the console hides by),
// the operator token that it is the operator; never a key's secret or hash; another org 404, no key 401.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiKeyRole } from '../../src/store/records.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

/** Written out rather than read from src/access/permissions.ts: a change to the table must show up here. */
const EXPECTED: Record<ApiKeyRole, string[]> = {
  admin: ['read', 'read-promise', 'write', 'replay', 'cancel', 'publish', 'work', 'self'],
  member: ['read', 'read-promise', 'replay', 'cancel', 'self'],
  publisher: ['publish', 'self'],
  worker: ['read-promise', 'work', 'self'],
};

describe('GET /api/orgs/{org}/me', () => {
  let t: TestApp;
  const keys: Partial<Record<ApiKeyRole, { id: string; key: string }>> = {};

  beforeAll(async () => {
    t = await startTestApp('sqlite');
    await t.api.post('/api/orgs', { slug: 'acme' });
    await t.api.post('/api/orgs', { slug: 'rival' });
    for (const role of Object.keys(EXPECTED) as ApiKeyRole[]) {
      const created = await t.api.post('/api/orgs/acme/api-keys', { name: `${role} key`, role });
      expect(created.status, created.text).toBe(201);
      keys[role] = { id: created.body.id, key: created.body.key };
    }
  });
  afterAll(async () => t?.close());

  it('tells each key its own role and that role’s permissions, and nothing secret', async () => {
    for (const [role, permissions] of Object.entries(EXPECTED) as [ApiKeyRole, string[]][]) {
      const res = await t.api.as(keys[role]!.key).get('/api/orgs/acme/me');
      expect(res.status, `${role}: ${res.text}`).toBe(200);
      expect(res.body).toEqual({
        kind: 'key',
        org: 'acme',
        id: keys[role]!.id,
        name: `${role} key`,
        role,
        expiresAt: null,
        permissions,
      });
      expect(res.text).not.toContain(keys[role]!.key);
      expect(res.text).not.toMatch(/hash|prefix|secret/i);
    }
  });

  it('tells the operator token it is the operator, on any org that exists', async () => {
    for (const org of ['acme', 'rival', 'default']) {
      const res = await t.api.get(`/api/orgs/${org}/me`);
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual({ kind: 'operator' });
    }
    const missing = await t.api.get('/api/orgs/nowhere/me');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('EH_ORG_NOT_FOUND');
  });

  it('answers a key of another org 404, as if the org did not exist', async () => {
    for (const role of Object.keys(EXPECTED) as ApiKeyRole[]) {
      const res = await t.api.as(keys[role]!.key).get('/api/orgs/rival/me');
      expect(res.status, role).toBe(404);
      expect(res.body.code).toBe('EH_ORG_NOT_FOUND');
    }
  });

  it('answers no key, an unknown key and a revoked key 401', async () => {
    const none = await t.api.as(undefined).get('/api/orgs/acme/me');
    expect(none.status).toBe(401);
    expect(none.body.code).toBe('EH_AUTH_MISSING');
    const unknown = await t.api.as('ehk_not-a-key').get('/api/orgs/acme/me');
    expect(unknown.status).toBe(401);
    expect(unknown.body.code).toBe('EH_AUTH_INVALID');
    const made = await t.api.post('/api/orgs/acme/api-keys', { name: 'short-lived', role: 'member' });
    expect((await t.api.as(made.body.key).get('/api/orgs/acme/me')).status).toBe(200);
    expect((await t.api.delete(`/api/orgs/acme/api-keys/${made.body.id}`)).status).toBe(204);
    expect((await t.api.as(made.body.key).get('/api/orgs/acme/me')).status).toBe(401);
  });
});
