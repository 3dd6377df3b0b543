// The routes only the operator token may call refuse an org's key with what the caller tried to do: a Prometheus
// scraper given an admin key is told /metrics takes the operator token, not that it "may not manage orgs".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

describe('operator-only routes refuse an org key', () => {
  let t: TestApp;
  let adminKey: string;

  beforeAll(async () => {
    t = await startTestApp('sqlite');
    const created = await t.api.post('/api/orgs/default/api-keys', { name: 'scraper', role: 'admin' });
    expect(created.status, created.text).toBe(201);
    adminKey = created.body.key as string;
  });
  afterAll(async () => t?.close());

  it('says /metrics takes the operator token', async () => {
    const res = await t.api.as(adminKey).get('/metrics');
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({
      code: 'EH_AUTH_FORBIDDEN',
      detail: 'The admin role may not read /metrics, which takes the operator token',
    });
  });

  it('says the org routes manage orgs', async () => {
    for (const [method, path] of [
      ['get', '/api/orgs'],
      ['post', '/api/orgs'],
    ] as const) {
      const res =
        method === 'get'
          ? await t.api.as(adminKey).get(path)
          : await t.api.as(adminKey).post(path, { slug: 'other' });
      expect(res.status, path).toBe(403);
      expect(res.body, path).toMatchObject({
        code: 'EH_AUTH_FORBIDDEN',
        detail: 'The admin role may not manage orgs',
      });
    }
  });
});
