// How the management API validates what it is sent: JSON bodies as sent (no type coercion), query strings with it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

const base = '/api/orgs/default/eventhook';

describe('request validation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
    const endpoint = await t.api.post(`${base}/endpoints`, { slug: 'ep', url: 'https://example.com/hook' });
    expect(endpoint.status, endpoint.text).toBe(201);
  });
  afterAll(async () => t?.close());

  describe('JSON bodies keep their types', () => {
    const refused = async (path: string, body: unknown, field: string, message: string) => {
      const res = await t.api.post(`${base}${path}`, body);
      expect(res.status, res.text).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.code).toBe('EH_REQUEST_INVALID');
      expect(res.body.errors).toEqual([expect.objectContaining({ message })]);
      expect(res.body.errors[0].path).toMatch(new RegExp(`/${field}$`));
      return res;
    };

    it('refuses a number where a string belongs, and a string or boolean where a number or boolean belongs', async () => {
      await refused('/sources', { slug: 123, provider: 'github', secret: 'a' }, 'slug', 'must be string');
      await refused(
        '/endpoints',
        { slug: 'e1', url: 'https://example.com/x', timeoutMs: '5000' },
        'timeoutMs',
        'must be integer',
      );
      await refused(
        '/endpoints',
        { slug: 'e2', url: 'https://example.com/x', timeoutMs: true },
        'timeoutMs',
        'must be integer',
      );
      await refused(
        '/rules',
        {
          name: 'r1',
          enabled: 'false',
          pattern: { type: ['a'] },
          targets: [{ type: 'webhook', endpoint: 'ep' }],
        },
        'enabled',
        'must be boolean',
      );
      // Nothing was made along the way.
      expect((await t.api.get(`${base}/sources/123`)).status).toBe(404);
      expect((await t.api.get(`${base}/endpoints/e1`)).status).toBe(404);
      expect((await t.api.get(`${base}/rules/r1`)).status).toBe(404);
    });

    it('takes the same bodies with proper types', async () => {
      const endpoint = await t.api.post(`${base}/endpoints`, {
        slug: 'typed',
        url: 'https://example.com/x',
        timeoutMs: 5000,
      });
      expect(endpoint.status, endpoint.text).toBe(201);
      expect(endpoint.body.timeoutMs).toBe(5000);
      const rule = await t.api.post(`${base}/rules`, {
        name: 'typed',
        enabled: false,
        pattern: { type: ['a'] },
        targets: [{ type: 'webhook', endpoint: 'typed' }],
      });
      expect(rule.status, rule.text).toBe(201);
      expect(rule.body.enabled).toBe(false);
    });

    it('still reads numbers and booleans from the query string', async () => {
      const page = await t.api.get(`${base}/endpoints?limit=1&includeDeleted=true`);
      expect(page.status, page.text).toBe(200);
      expect(page.body.items).toHaveLength(1);
      expect(page.body.nextCursor).not.toBeNull();
      const bad = await t.api.get(`${base}/events?limit=abc`);
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('EH_REQUEST_INVALID');
    });
  });
});
