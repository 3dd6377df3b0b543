// Issue 5 §4–6 for every registered route: the authorization matrix (no key → 401, another org's key → 404,
// a role without the permission → 403, a role with it → neither), problem+json errors including 404/405,
// and an OpenAPI 3.1 document that validates and lists every route.
import { createHmac, randomUUID } from 'node:crypto';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleAllows } from '../../src/access/permissions.js';
import type { RouteEntry } from '../../src/api/server.js';
import type { ApiKeyRole } from '../../src/store/records.js';
import { eventually, OPERATOR_TOKEN, startTestApp, type TestApp } from '../helpers/app.js';

const ROLES: ApiKeyRole[] = ['admin', 'member', 'publisher', 'worker'];

/** A concrete URL for a route pattern: the org is `acme`, other parameters get plausible ids that do not exist. */
function concrete(url: string, org: string): string {
  return url
    .replace(':org', org)
    .replace(/:id|:rule|:source|:endpoint|:key|:grant/g, (p) =>
      p === ':rule' ? 'rule_01J0000000000000000000000Z' : 'evt_01J0000000000000000000000Z',
    )
    .replace('*', 'tail');
}

/** One answer the server gave, to check against the document. */
interface Answer {
  method: string;
  /** The route pattern (`/api/orgs/:org/…`). */
  route: string;
  status: number;
  contentType: string | null;
  text: string;
}

/** Every answer the tests below received, with the route it came from. */
const answers: Answer[] = [];

/** Status of a call; streaming answers (SSE) are cut off once their headers arrive. */
async function statusOf(
  t: TestApp,
  token: string | undefined,
  method: string,
  url: string,
  route?: string,
): Promise<{ status: number; code?: string; contentType: string | null; text: string }> {
  const abort = new AbortController();
  const res = await fetch(t.url + url, {
    method,
    signal: abort.signal,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(method === 'GET' || method === 'DELETE' ? {} : { 'content-type': 'application/json' }),
    },
    body: method === 'GET' || method === 'DELETE' ? undefined : '{}',
  });
  const contentType = res.headers.get('content-type');
  if (contentType?.startsWith('text/event-stream')) {
    abort.abort();
    return { status: res.status, contentType, text: '' };
  }
  const text = await res.text();
  answers.push({ method, route: route ?? url, status: res.status, contentType, text });
  let code: string | undefined;
  try {
    code = JSON.parse(text).code;
  } catch {
    // not JSON
  }
  return { status: res.status, code, contentType, text };
}

describe('API contract', () => {
  let t: TestApp;
  let routes: RouteEntry[];
  const keys: Partial<Record<ApiKeyRole, string>> = {};
  let otherOrgKey: string;

  beforeAll(async () => {
    t = await startTestApp('sqlite');
    routes = t.app.server.routeCatalog;
    await t.api.post('/api/orgs', { slug: 'acme' });
    await t.api.post('/api/orgs', { slug: 'rival' });
    for (const role of ROLES)
      keys[role] = (await t.api.post('/api/orgs/acme/api-keys', { name: role, role })).body.key;
    otherOrgKey = (await t.api.post('/api/orgs/rival/api-keys', { name: 'admin', role: 'admin' })).body.key;
  });
  afterAll(async () => t?.close());

  it('has an authorization rule on every management route', () => {
    const unprotected = routes.filter((r) => r.permission === undefined).map((r) => `${r.method} ${r.url}`);
    // Public by design: ingest (verified per source), probes, the docs, and the console's static files (its page
    // calls the API with the key the user signs in with).
    for (const r of unprotected)
      expect(r).toMatch(/\/in\/:source|healthz|readyz|\/docs|openapi\.json|^GET \/$|^GET \/console\/\*$/);
    expect(routes.filter((r) => r.permission !== undefined).length).toBeGreaterThan(40);
  });

  it('grants `self` to every role, and only to the route that says who the caller is', () => {
    // `self` passes every key of the org: a route that showed anything of the org under it would be a way round
    // `read` for publishers and workers.
    for (const role of ROLES) expect(roleAllows(role, 'self'), role).toBe(true);
    const self = routes.filter((r) => r.permission === 'self').map((r) => `${r.method} ${r.url}`);
    expect(self).toEqual(['GET /api/orgs/:org/me']);
  });

  it('answers 401 without a key, 404 to another org, 403 to a role without the permission', async () => {
    for (const route of routes.filter((r) => r.permission !== undefined)) {
      const url = concrete(route.url, 'acme');
      const what = `${route.method} ${route.url}`;
      const noKey = await statusOf(t, undefined, route.method, url, route.url);
      expect(noKey.status, what).toBe(401);
      expect(noKey.contentType, what).toContain('application/problem+json');
      if (route.url.includes(':org')) {
        const foreign = await statusOf(t, otherOrgKey, route.method, url, route.url);
        expect(foreign.status, what).toBe(404);
        expect(foreign.code, what).toBe('EH_ORG_NOT_FOUND');
      }
      for (const role of ROLES) {
        const res = await statusOf(t, keys[role], route.method, url, route.url);
        const allowed = route.permission !== 'operator' && roleAllows(role, route.permission!);
        if (allowed) expect([401, 403], `${what} as ${role}: ${res.text}`).not.toContain(res.status);
        else expect(res.status, `${what} as ${role}`).toBe(403);
      }
    }
  }, 120_000);

  it('answers unknown routes and wrong methods with problem+json 404 and 405', async () => {
    const missing = await t.api.get('/api/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    expect(missing.body).toMatchObject({ code: 'EH_ROUTE_NOT_FOUND', status: 404 });
    const wrong = await t.api.request('PUT', '/api/orgs/acme/eventhook/rules');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD, POST');
    expect(wrong.body.code).toBe('EH_METHOD_NOT_ALLOWED');
  });

  it('answers a body that is not JSON with 415 problem+json, text/plain too', async () => {
    // fetch sends a string body as text/plain unless told otherwise: such a client must hear what is wrong, not
    // "body: must be object".
    for (const type of ['text/plain', 'text/plain;charset=UTF-8', 'application/xml']) {
      const res = await fetch(`${t.url}/api/orgs/acme/eventhook/rules`, {
        method: 'POST',
        headers: { authorization: `Bearer ${keys.admin}`, 'content-type': type },
        body: JSON.stringify({
          name: 'r',
          pattern: { type: ['x'] },
          targets: [{ type: 'workflow', kind: 'k' }],
        }),
      });
      const text = await res.text();
      expect(res.status, `${type}: ${text}`).toBe(415);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(JSON.parse(text).code).toBe('EH_UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it('reports every invalid field with its path', async () => {
    const res = await t.api.post('/api/orgs/acme/eventhook/sources', {
      slug: 'Bad Slug!',
      bodyLimit: -1,
      unknown: true,
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const paths = res.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['/slug', '/bodyLimit', '/unknown']));
  });

  it('answers every route as its document declares: status, content type and body', async () => {
    // Successful calls on real resources, as the authorization matrix above made mostly failing ones: every answer of
    // both is checked against the operation's responses in the served document, so a new route is covered too.
    const ORG = '/api/orgs/:org';
    const EH = `${ORG}/eventhook`;
    const call = async (
      token: string,
      method: string,
      route: string,
      params: Record<string, string>,
      body?: unknown,
    ) => {
      const url = route.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(params[name] ?? 'acme'));
      const res = await fetch(t.url + url, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      answers.push({ method, route, status: res.status, contentType: res.headers.get('content-type'), text });
      expect(res.status, `${method} ${url}: ${text}`).toBeLessThan(300);
      return text ? JSON.parse(text) : undefined;
    };
    const admin = keys.admin!;
    const worker = keys.worker!;
    await call(admin, 'GET', `${ORG}/me`, {});
    const key = await call(admin, 'POST', `${ORG}/api-keys`, {}, { name: 'walk', role: 'member' });
    await call(admin, 'GET', `${ORG}/api-keys`, {});
    await call(admin, 'DELETE', `${ORG}/api-keys/:key`, { key: key.id });
    await call(admin, 'GET', `${EH}/providers`, {});
    await call(admin, 'POST', `${EH}/sources`, {}, { slug: 'gh', provider: 'github', secret: 's3cret' });
    await call(admin, 'GET', `${EH}/sources`, {});
    await call(admin, 'GET', `${EH}/sources/:source`, { source: 'gh' });
    await call(admin, 'PATCH', `${EH}/sources/:source`, { source: 'gh' }, { name: 'GitHub' });
    // A webhook, as GitHub signs it: its acknowledgement is in the document too.
    const push = JSON.stringify({ ref: 'refs/heads/main' });
    const pushed = await fetch(`${t.url}/api/orgs/acme/eventhook/in/gh`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': `sha256=${createHmac('sha256', 's3cret').update(push).digest('hex')}`,
      },
      body: push,
    });
    const pushText = await pushed.text();
    expect(pushed.status, pushText).toBe(200);
    answers.push({
      method: 'POST',
      route: `${EH}/in/:source`,
      status: pushed.status,
      contentType: pushed.headers.get('content-type'),
      text: pushText,
    });
    await call(admin, 'GET', `${EH}/events/:id/raw`, { id: JSON.parse(pushText).eventId });
    await call(admin, 'POST', `${EH}/endpoints`, {}, { slug: 'ep', url: 'https://example.com/hooks' });
    await call(admin, 'GET', `${EH}/endpoints`, {});
    await call(admin, 'GET', `${EH}/endpoints/:endpoint`, { endpoint: 'ep' });
    await call(
      admin,
      'PATCH',
      `${EH}/endpoints/:endpoint`,
      { endpoint: 'ep' },
      { url: 'https://example.com/h2' },
    );
    await call(
      admin,
      'POST',
      `${EH}/rules`,
      {},
      {
        name: 'walk',
        pattern: { type: ['walk'] },
        targets: [{ type: 'workflow', kind: 'walk' }],
      },
    );
    await call(admin, 'GET', `${EH}/rules`, {});
    await call(admin, 'GET', `${EH}/rules/:rule`, { rule: 'walk' });
    await call(admin, 'PATCH', `${EH}/rules/:rule`, { rule: 'walk' }, { description: 'walked' });
    await call(
      admin,
      'POST',
      `${EH}/rules/test`,
      {},
      { pattern: { type: ['walk'] }, event: { type: 'walk' } },
    );
    const grant = await call(admin, 'POST', `${EH}/grants`, {}, { fromOrg: 'rival', eventTypes: ['walk.*'] });
    await call(admin, 'GET', `${EH}/grants`, {});
    await call(admin, 'GET', `${EH}/grants/:grant`, { grant: grant.id });
    await call(admin, 'PATCH', `${EH}/grants/:grant`, { grant: grant.id }, { eventTypes: null });
    await call(admin, 'DELETE', `${EH}/grants/:grant`, { grant: grant.id });
    const sent = await call(admin, 'POST', `${EH}/events`, {}, { type: 'walk', data: { n: 1 } });
    await call(admin, 'GET', `${EH}/events`, {});
    await call(admin, 'GET', `${EH}/events/:id`, { id: sent.eventId });
    const claimed = await eventually(async () => {
      const res = await call(
        worker,
        'POST',
        `${EH}/engine/workflows/claim`,
        {},
        { workerId: 'w1', kinds: ['walk'] },
      );
      return res?.id ? res : undefined;
    });
    const wf = { id: claimed.id as string };
    await call(admin, 'GET', `${EH}/engine/workflows`, {});
    await call(admin, 'GET', `${EH}/engine/workflows/:id`, wf);
    await call(worker, 'POST', `${EH}/engine/workflows/:id/heartbeat`, wf, { workerId: 'w1' });
    const promise = await call(
      worker,
      'POST',
      `${EH}/engine/promises`,
      {},
      { key: 'walk', workflowId: wf.id },
    );
    await call(admin, 'GET', `${EH}/engine/promises`, {});
    await call(worker, 'GET', `${EH}/engine/promises/:id`, { id: promise.id });
    await call(worker, 'POST', `${EH}/engine/workflows/:id/complete`, wf, {
      workerId: 'w1',
      output: { ok: true },
    });
    await call(admin, 'GET', `${EH}/engine/tasks`, {});
    const actions = await call(admin, 'GET', `${EH}/actions`, {});
    await call(admin, 'GET', `${EH}/actions/:id`, { id: actions.items[0].id });
    await call(admin, 'POST', `${EH}/events/:id/replay`, { id: sent.eventId }, {});
    await call(admin, 'POST', `${EH}/events/replay`, {}, { filter: { type: 'walk' }, dryRun: true });
    await call(admin, 'POST', `${EH}/actions/retry`, {}, { filter: { status: 'dead' }, dryRun: true });
    await call(admin, 'GET', `${EH}/audit-log`, {});
    await call(admin, 'DELETE', `${EH}/rules/:rule`, { rule: 'walk' });
    await call(admin, 'DELETE', `${EH}/endpoints/:endpoint`, { endpoint: 'ep' });
    await call(admin, 'DELETE', `${EH}/sources/:source`, { source: 'gh' });
    await call(OPERATOR_TOKEN, 'GET', '/api/orgs', {});
    await call(OPERATOR_TOKEN, 'GET', ORG, {});
    await call(OPERATOR_TOKEN, 'GET', '/healthz', {});

    const doc = (await t.api.get('/openapi.json')).body;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    (
      ('default' in addFormatsModule ? addFormatsModule.default : addFormatsModule) as unknown as (
        a: Ajv2020,
      ) => void
    )(ajv);
    ajv.addSchema({ ...doc, $id: 'openapi' });
    const pointer = (...parts: string[]) =>
      'openapi#/' + parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
    const wrong = new Set<string>();
    for (const a of answers) {
      const path = a.route.replace(/:(\w+)/g, '{$1}');
      const method = a.method.toLowerCase();
      const at = `${a.method} ${path} ${a.status}`;
      const responses = doc.paths[path]?.[method]?.responses;
      if (!responses) {
        wrong.add(`${at}: no such operation`);
        continue;
      }
      const declared = String(a.status) in responses ? String(a.status) : 'default';
      const response = responses[declared];
      if (!response) {
        wrong.add(`${at}: status not declared`);
        continue;
      }
      if (a.text === '') continue;
      const mediaType = (a.contentType ?? '').split(';')[0]!.trim();
      if (!response.content?.[mediaType]) {
        wrong.add(`${at}: ${mediaType} not declared (${Object.keys(response.content ?? {}).join(', ')})`);
        continue;
      }
      if (!mediaType.includes('json') || !response.content[mediaType].schema) continue;
      const validate =
        ajv.getSchema(
          pointer('paths', path, method, 'responses', declared, 'content', mediaType, 'schema'),
        ) ??
        ajv.compile({
          $ref: pointer('paths', path, method, 'responses', declared, 'content', mediaType, 'schema'),
        });
      if (!validate(JSON.parse(a.text)))
        wrong.add(`${at}: ${ajv.errorsText(validate.errors)} in ${a.text.slice(0, 200)}`);
    }
    expect([...wrong]).toEqual([]);
    // Every documented operation was answered at least once (the matrix calls each).
    const answered = new Set(answers.map((a) => `${a.method} ${a.route.replace(/:(\w+)/g, '{$1}')}`));
    for (const route of routes.filter((r) => r.permission !== undefined && !r.hidden))
      expect(answered.has(`${route.method} ${route.url.replace(/:(\w+)/g, '{$1}')}`), route.url).toBe(true);
  }, 60_000);

  it('serves a valid OpenAPI 3.1 document naming every route', async () => {
    const doc = (await t.api.get('/openapi.json')).body;
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(doc);
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
    expect(result.valid).toBe(true);
    for (const route of routes.filter((r) => !r.hidden && !r.url.startsWith('/docs'))) {
      const path = route.url.replace(/:(\w+)/g, '{$1}');
      expect(doc.paths[path]?.[route.method.toLowerCase()], `${route.method} ${path}`).toBeDefined();
    }
  });
});
