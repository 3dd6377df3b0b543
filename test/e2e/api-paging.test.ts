// Cursor pagination as a client relies on it across every list: a cursor works only on the list that gave it, and
// one from another list, or one made up, is a 400 EH_CURSOR_INVALID located at the cursor, never a silently wrong page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestApp, type TestApp } from '../helpers/app.js';

const ORG = '/api/orgs/acme';
const BASE = `${ORG}/eventhook`;

/** Every list endpoint, by name. */
const LISTS: Record<string, string> = {
  orgs: '/api/orgs',
  apiKeys: `${ORG}/api-keys`,
  rules: `${BASE}/rules`,
  sources: `${BASE}/sources`,
  endpoints: `${BASE}/endpoints`,
  grants: `${BASE}/grants`,
  events: `${BASE}/events`,
  actions: `${BASE}/actions`,
  auditLog: `${BASE}/audit-log`,
  workflows: `${BASE}/engine/workflows`,
  tasks: `${BASE}/engine/tasks`,
  promises: `${BASE}/engine/promises`,
};

describe('list cursors', () => {
  let t: TestApp;
  const cursors: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp('sqlite');
    const made = async (path: string, body: unknown) => {
      const res = await t.api.post(path, body);
      expect(res.status, `${path}: ${res.text}`).toBeLessThan(300);
      return res.body;
    };
    await made('/api/orgs', { slug: 'acme' });
    await made('/api/orgs', { slug: 'partner' });
    for (const i of [1, 2]) {
      await made(`${ORG}/api-keys`, { name: `k${i}` });
      await made(`${BASE}/sources`, { slug: `s${i}`, provider: 'github', secret: 's3cret' });
      await made(`${BASE}/endpoints`, { slug: `ep${i}`, url: 'https://example.com/hooks' });
      await made(`${BASE}/grants`, { fromOrg: 'partner', eventTypes: [`t${i}.*`] });
      await made(`${BASE}/engine/promises`, { key: `p${i}` });
    }
    await made(`${BASE}/rules`, {
      name: 'to-workflow',
      pattern: { type: ['go'] },
      targets: [{ type: 'workflow', kind: 'w' }],
    });
    await made(`${BASE}/rules`, {
      name: 'to-task',
      pattern: { type: ['go'] },
      targets: [{ type: 'task', kind: 'k' }],
    });
    for (const i of [1, 2]) await made(`${BASE}/events`, { type: 'go', data: { i } });
    for (const [name, path] of Object.entries(LISTS)) {
      cursors[name] = await eventually(async () => {
        const res = await t.api.get(`${path}?limit=1`);
        expect(res.status, `${name}: ${res.text}`).toBe(200);
        return res.body.nextCursor as string | null;
      });
    }
  }, 60_000);
  afterAll(async () => t?.close());

  it('follows its own cursor to the next page', async () => {
    for (const [name, path] of Object.entries(LISTS)) {
      const first = await t.api.get(`${path}?limit=1`);
      const next = await t.api.get(`${path}?limit=1&cursor=${cursors[name]}`);
      expect(next.status, `${name}: ${next.text}`).toBe(200);
      expect(next.body.items).toHaveLength(1);
      expect(next.body.items[0], name).not.toEqual(first.body.items[0]);
    }
  });

  it('still takes a cursor of the id alone, as lists gave before they named the org', async () => {
    const first = await t.api.get(`${LISTS.events}?limit=1`);
    const legacy = Buffer.from(first.body.items[0].id, 'utf8').toString('base64url');
    const next = await t.api.get(`${LISTS.events}?limit=1&cursor=${legacy}`);
    expect(next.status, next.text).toBe(200);
    expect(next.body.items[0].id < first.body.items[0].id).toBe(true);
  });

  it("refuses another list's cursor with 400 EH_CURSOR_INVALID at the cursor", async () => {
    const accepted: string[] = [];
    for (const [name, path] of Object.entries(LISTS)) {
      for (const [from, cursor] of Object.entries(cursors)) {
        if (from === name) continue;
        const res = await t.api.get(`${path}?limit=1&cursor=${cursor}`);
        if (res.status !== 400) {
          accepted.push(`${name} took the cursor of ${from}: ${res.status}`);
          continue;
        }
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(res.body.code).toBe('EH_CURSOR_INVALID');
        expect(res.body.errors).toEqual([{ in: 'query', path: '/cursor', message: expect.any(String) }]);
      }
    }
    expect(accepted).toEqual([]);
  });

  it("refuses the same list's cursor of another org", async () => {
    const partner = '/api/orgs/partner';
    for (const i of [1, 2]) {
      await t.api.post(`${partner}/api-keys`, { name: `pk${i}` });
      await t.api.post(`${partner}/eventhook/rules`, {
        name: `p${i}`,
        pattern: { type: ['p'] },
        targets: [{ type: 'task', kind: 'k' }],
      });
      await t.api.post(`${partner}/eventhook/events`, { type: 'p', data: { i } });
    }
    for (const list of ['api-keys', 'eventhook/rules', 'eventhook/events']) {
      const theirs = await t.api.get(`${partner}/${list}?limit=1`);
      expect(theirs.body.nextCursor, list).toEqual(expect.any(String));
      const ours = await t.api.get(`/api/orgs/acme/${list}?limit=1&cursor=${theirs.body.nextCursor}`);
      expect(ours.status, `${list}: ${ours.text}`).toBe(400);
      expect(ours.body.code).toBe('EH_CURSOR_INVALID');
      expect(ours.body.errors[0].message).toContain('another org');
    }
  });

  it('refuses a made-up cursor with 400 EH_CURSOR_INVALID', async () => {
    const madeUp = [
      'garbage',
      Buffer.from('hello world', 'utf8').toString('base64url'),
      Buffer.from('rule_', 'utf8').toString('base64url'),
      '!!!',
    ];
    const accepted: string[] = [];
    for (const [name, path] of Object.entries(LISTS)) {
      for (const cursor of madeUp) {
        const res = await t.api.get(`${path}?limit=1&cursor=${encodeURIComponent(cursor)}`);
        if (res.status !== 400 || res.body.code !== 'EH_CURSOR_INVALID')
          accepted.push(`${name} took ${cursor}: ${res.status} ${res.text.slice(0, 80)}`);
      }
    }
    expect(accepted).toEqual([]);
  });
});
