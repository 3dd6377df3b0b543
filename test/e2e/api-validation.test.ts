// How the management API reads and validates what it is sent: JSON bodies as sent (no type coercion), query
// strings with it; optional bodies may be left out, and an empty body sent as JSON is no body.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import { startOutbound, stopOutbound, type Receiver, type Send } from '../helpers/outbound.js';

const base = '/api/orgs/default/eventhook';
const JSON_TYPE = { 'content-type': 'application/json' };

describe('request validation', () => {
  let t: TestApp;
  let receiver: Receiver;
  let send: Send;
  beforeAll(async () => {
    // An app allowed to deliver to a receiver on loopback, with a signed source `app` to send events through.
    ({ t, receiver, send } = await startOutbound('sqlite'));
    const endpoint = await t.api.post(`${base}/endpoints`, { slug: 'ep', url: `${receiver.url}/ep` });
    expect(endpoint.status, endpoint.text).toBe(201);
  });
  afterAll(() => stopOutbound(t, receiver));

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
        'must be integer or null',
      );
      await refused(
        '/endpoints',
        { slug: 'e2', url: 'https://example.com/x', timeoutMs: true },
        'timeoutMs',
        'must be integer or null',
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

  describe('bodies that may be left out', () => {
    /** A call without a body: no content type at all, or a JSON one with nothing after it (curl -H … -X POST). */
    const bare = (method: string, path: string, headers: Record<string, string> = {}) =>
      t.api.request(method, `${base}${path}`, undefined, headers);

    it('sends an endpoint a test message without a body, with or without a JSON content type', async () => {
      for (const headers of [{}, JSON_TYPE]) {
        const res = await bare('POST', '/endpoints/ep/test', headers);
        expect(res.status, res.text).toBe(200);
        expect(res.body).toMatchObject({ ok: true, outcome: 'succeeded' });
        expect(JSON.parse(res.body.request.body)).toMatchObject({ type: 'eventhook.test' });
      }
      expect(receiver.requests.filter((r) => r.path === '/ep')).toHaveLength(2);
    });

    it('rotates secrets without a body: a generated secret, the default grace period', async () => {
      for (const headers of [{}, JSON_TYPE]) {
        const endpoint = await bare('POST', '/endpoints/ep/rotate-secret', headers);
        expect(endpoint.status, endpoint.text).toBe(200);
        expect(endpoint.body.secret).toMatch(/^whsec_/);
        const source = await bare('POST', '/sources/app/rotate-secret', headers);
        expect(source.status, source.text).toBe(200);
        expect(source.body.generatedSecret).toEqual(expect.any(String));
        // Newest first: the new secret, then the one it replaces, which keeps working for the default grace period
        // (a day), rather than ending now.
        const [fresh, previous] = source.body.secrets as { expiresAt: string | null }[];
        expect(fresh!.expiresAt).toBeNull();
        expect(Date.parse(previous!.expiresAt!) - Date.now()).toBeGreaterThan(86_000_000);
      }
    });

    it('replays an event without a body, and retries or deletes with an empty JSON body', async () => {
      const eventId = await send({ type: 'nobody.cares' });
      const replayed = await bare('POST', `/events/${eventId}/replay`);
      expect(replayed.status, replayed.text).toBe(202);
      expect(replayed.body.id).toBe(eventId);
      const empty = await bare('POST', `/events/${eventId}/replay`, JSON_TYPE);
      expect(empty.status, empty.text).toBe(202);

      // Routes that take no body at all: the empty JSON body is not "malformed JSON".
      const retried = await bare('POST', '/actions/act_01J0000000000000000000000Z/retry', JSON_TYPE);
      expect(retried.status, retried.text).toBe(404);
      expect(retried.body.code).toBe('EH_ACTION_NOT_FOUND');
      const rule = await t.api.post(`${base}/rules`, {
        name: 'doomed',
        pattern: { type: ['x'] },
        targets: [{ type: 'webhook', endpoint: 'ep' }],
      });
      expect(rule.status, rule.text).toBe(201);
      expect((await bare('DELETE', '/rules/doomed', JSON_TYPE)).status).toBe(204);
      expect((await t.api.get(`${base}/rules/doomed`)).status).toBe(404);
    });

    it('still refuses a missing body where one is needed, saying so', async () => {
      for (const [method, path] of [
        ['POST', '/rules'],
        ['POST', '/sources/app/test'],
        ['PATCH', '/endpoints/ep'],
      ] as const) {
        for (const headers of [{}, JSON_TYPE]) {
          const res = await bare(method, path, headers);
          expect(res.status, `${method} ${path}: ${res.text}`).toBe(400);
          expect(res.body).toMatchObject({
            code: 'EH_REQUEST_INVALID',
            detail: 'body: is required',
            errors: [{ path: '', message: 'is required' }],
          });
        }
      }
    });

    it('documents those bodies as optional in the OpenAPI document, and the others as required', async () => {
      const paths = (await t.api.get('/openapi.json')).body.paths;
      const at = `/api/orgs/{org}/eventhook`;
      const required = (path: string, method = 'post') => paths[`${at}${path}`][method].requestBody.required;
      expect(required('/endpoints/{endpoint}/test')).toBe(false);
      expect(required('/endpoints/{endpoint}/rotate-secret')).toBe(false);
      expect(required('/sources/{source}/rotate-secret')).toBe(false);
      expect(required('/events/{id}/replay')).toBe(false);
      expect(required('/rules')).toBe(true);
      expect(required('/sources/{source}/test')).toBe(true);
      expect(required('/endpoints/{endpoint}', 'patch')).toBe(true);
      expect(paths[`${at}/actions/{id}/retry`].post.requestBody).toBeUndefined();
    });
  });

  describe('field errors', () => {
    /** The problem a call answers, checked to be a 400 problem+json. */
    const problem = async (method: string, path: string, body?: unknown) => {
      const res = await t.api.request(method, `${base}${path}`, body);
      expect(res.status, res.text).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      return res.body as { code: string; detail: string; errors?: { in?: string; path: string }[] };
    };
    const webhook = [{ type: 'webhook', endpoint: 'ep' }];

    it('locates every field by JSON Pointer in the body, once, and lists the same in the detail', async () => {
      const source = await problem('POST', '/sources', { slug: 'Bad Slug!', bodyLimit: -1, unknown: true });
      expect(source.errors).toEqual([
        { path: '/unknown', message: 'is not a known field' },
        { path: '/slug', message: expect.stringMatching(/^must match pattern /) },
        { path: '/bodyLimit', message: 'must be >= 1' },
      ]);
      expect(source.detail).toMatch(
        /^\/unknown: is not a known field; \/slug: must match pattern .*; \/bodyLimit: must be >= 1$/,
      );

      // A custom verifier's field is under /verifier (not /name, the source's own name), and said once.
      const verifier = await problem('POST', '/sources', {
        slug: 'custom',
        name: 'Custom',
        verifier: { type: 'api_key', header: 'x-key' },
        secret: 'k',
      });
      expect(verifier).toMatchObject({
        code: 'EH_SOURCE_INVALID',
        detail: '/verifier/name: is required; /verifier/header: is not a known field',
        errors: [
          { path: '/verifier/name', message: 'is required' },
          { path: '/verifier/header', message: 'is not a known field' },
        ],
      });
    });

    it('reports the alternative a value was meant for, not the null branch or "anyOf"', async () => {
      const empty = await problem('POST', '/endpoints', {
        slug: 'retries',
        url: `${receiver.url}/r`,
        retry: { schedule: [] },
      });
      expect(empty.errors).toEqual([
        { path: '/retry/schedule', message: 'must NOT have fewer than 1 items' },
      ]);
      const unit = await problem('PATCH', '/endpoints/ep', { retry: { schedule: ['5s', '1 week'] } });
      expect(unit.errors).toEqual([
        { path: '/retry/schedule/1', message: expect.stringMatching(/^must match pattern /) },
      ]);
      // When no alternative fits, one issue names them all.
      expect((await problem('PATCH', '/endpoints/ep', { retry: 'often' })).errors).toEqual([
        { path: '/retry', message: 'must be object or null' },
      ]);
      expect((await problem('PATCH', '/sources/app', { ipAllowList: '10.0.0.0/8' })).errors).toEqual([
        { path: '/ipAllowList', message: 'must be null or array' },
      ]);
    });

    it('names the allowed values of an enum and of a target type', async () => {
      expect((await problem('PATCH', '/endpoints/ep', { ordering: 'bogus' })).errors).toEqual([
        { path: '/ordering', message: 'must be one of none, fifo' },
      ]);
      const target = await problem('POST', '/rules', {
        name: 'typo',
        pattern: { type: ['a'] },
        targets: [
          { type: 'webhook', endpoint: 'ep' },
          { type: 'web_hook', endpoint: 'ep' },
        ],
      });
      expect(target.errors).toEqual([
        { path: '/targets/1/type', message: 'must be one of workflow, task, promise, webhook, event_bus' },
      ]);
      const untyped = await problem('POST', '/rules', { name: 'x', pattern: { type: ['a'] }, targets: [{}] });
      expect(untyped.errors).toEqual([{ path: '/targets/0/type', message: 'is required' }]);
      const missing = await problem('POST', '/rules', {
        name: 'x',
        pattern: { type: ['a'] },
        targets: [{ type: 'workflow' }],
      });
      expect(missing.errors).toEqual([{ path: '/targets/0/kind', message: 'is required' }]);
    });

    it('suggests the field a misspelt one was meant to be', async () => {
      const res = await problem('POST', '/endpoints', {
        slug: 'slow',
        url: `${receiver.url}/s`,
        timeoutMS: 5000,
      });
      expect(res.errors).toEqual([
        { path: '/timeoutMS', message: 'is not a known field (did you mean timeoutMs?)' },
      ]);
    });

    it('gives an invalid pattern its issue, located in the rule, the rule test and the stream query', async () => {
      const rule = await problem('POST', '/rules', {
        name: 'bad-pattern',
        pattern: { type: 'order.created', data: { total: [{ numeric: ['>', 'x'] }] } },
        targets: webhook,
      });
      expect(rule).toMatchObject({
        code: 'EH_PATTERN_INVALID',
        detail: 'Invalid pattern at type: "type" must be an object or an array',
        errors: [{ path: '/pattern/type', message: '"type" must be an object or an array' }],
      });
      const tested = await problem('POST', '/rules/test', {
        pattern: { data: { total: [{ numeric: ['>', 'x'] }] } },
        event: {},
      });
      expect(tested.errors).toEqual([
        { path: '/pattern/data/total/0/numeric/1', message: 'Value of > must be numeric' },
      ]);
      const streamed = await problem('GET', `/stream?pattern=${encodeURIComponent('{"type": "a"}')}`);
      expect(streamed).toMatchObject({
        code: 'EH_PATTERN_INVALID',
        errors: [{ in: 'query', path: '/pattern', message: 'at type: "type" must be an object or an array' }],
      });
      // The stream matches envelopes, as rules do: a field no envelope has would show nothing for ever.
      const typo = await problem('GET', `/stream?pattern=${encodeURIComponent('{"dat": {"total": [5]}}')}`);
      expect(typo).toMatchObject({
        code: 'EH_PATTERN_INVALID',
        errors: [
          {
            in: 'query',
            path: '/pattern',
            message: expect.stringMatching(
              /^at dat: dat is not a field of the event envelope \(did you mean data\?\)/,
            ),
          },
        ],
      });
    });

    it('says which part of the request a field is in when it is not the body', async () => {
      const page = await problem('GET', '/events?limit=0&status=lost');
      expect(page).toMatchObject({
        code: 'EH_REQUEST_INVALID',
        detail:
          'query parameter status: must be one of pending, routed, unrouted, failed, rejected; ' +
          'query parameter limit: must be >= 1',
        errors: [
          {
            in: 'query',
            path: '/status',
            message: 'must be one of pending, routed, unrouted, failed, rejected',
          },
          { in: 'query', path: '/limit', message: 'must be >= 1' },
        ],
      });
      const empty = await problem('PATCH', '/endpoints/ep', {});
      expect(empty.errors).toEqual([{ path: '', message: 'must have at least one field' }]);
      expect(empty.detail).toBe('body: must have at least one field');
    });

    it('refuses a query parameter a list does not know, rather than answer the list unfiltered', async () => {
      // A misspelt filter used to be ignored: the whole list came back as if it were the filtered one.
      const misspelt = await problem('GET', '/events?stauts=failed');
      expect(misspelt).toMatchObject({
        code: 'EH_REQUEST_INVALID',
        errors: [{ in: 'query', path: '/stauts', message: 'is not a known field (did you mean status?)' }],
      });
      // A filter another list has, and a parameter of no list at all, on every list that takes a query.
      expect((await problem('GET', '/actions?since=2026-01-01T00:00:00Z')).errors).toEqual([
        { in: 'query', path: '/since', message: expect.stringMatching(/^is not a known field/) },
      ]);
      for (const list of ['/sources', '/rules', '/endpoints', '/grants', '/audit-log', '/engine/tasks'])
        expect((await problem('GET', `${list}?bogus=1`)).errors, list).toEqual([
          { in: 'query', path: '/bogus', message: expect.stringMatching(/^is not a known field/) },
        ]);
      // What the lists know is still taken.
      const listed = await t.api.get(`${base}/events?status=failed&limit=5`);
      expect(listed.status, listed.text).toBe(200);
    });
  });

  describe('published events', () => {
    /** A body sent as written, under the content type given (the API client sends application/json only). */
    const publish = async (body: string, contentType: string, headers: Record<string, string> = {}) => {
      const res = await fetch(`${t.url}${base}/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.api.token}`, 'content-type': contentType, ...headers },
        body,
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const stored = async (eventId: string) => (await t.api.get(`${base}/events/${eventId}`)).body;
    const count = async () => (await t.api.get(`${base}/events?limit=200`)).body.items.length as number;

    it('refuses an unknown field of a JSON event, naming it, rather than dropping its value', async () => {
      const before = await count();
      const typo = await t.api.post(`${base}/events`, { type: 'x.z', dtaa: { a: 1 } });
      expect(typo.status, typo.text).toBe(400);
      expect(typo.body).toMatchObject({
        code: 'EH_REQUEST_INVALID',
        detail: '/dtaa: is not a known field (did you mean data?)',
        errors: [{ path: '/dtaa', message: 'is not a known field (did you mean data?)' }],
      });
      const bogus = await t.api.post(`${base}/events`, { type: 'x.z', bogus: 1 });
      expect(bogus.body.errors).toEqual([{ path: '/bogus', message: 'is not a known field' }]);
      // In a batch, the event is named by its index, and none of the batch is stored.
      const batch = await t.api.post(`${base}/events`, [{ type: 'fine' }, { type: 'y', Bogus: 1 }]);
      expect(batch.status).toBe(400);
      expect(batch.body.errors).toEqual([{ path: '/1/Bogus', message: 'is not a known field' }]);
      expect(await count()).toBe(before);
      // A CloudEvent posted as plain JSON still reads: CloudEvents' own attributes are known fields.
      const ce = await t.api.post(`${base}/events`, {
        specversion: '1.0',
        type: 'x.z',
        time: '2020-01-01T00:00:00Z',
        data: { a: 1 },
      });
      expect(ce.status, ce.text).toBe(200);
      expect(await stored(ce.body.eventId)).toMatchObject({ type: 'x.z', data: { a: 1 } });
    });

    it('takes CloudEvents extension attributes in structured mode, refusing names CloudEvents does not allow', async () => {
      const one = await publish(
        JSON.stringify({
          specversion: '1.0',
          id: 'ext-1',
          source: 'inventory',
          type: 'stock.low',
          myext: 7,
          data: {},
        }),
        'application/cloudevents+json',
      );
      expect(one.status).toBe(200);
      expect(await stored(one.body.eventId)).toMatchObject({ type: 'stock.low', source: 'app:inventory' });
      const batch = await publish(
        JSON.stringify([{ specversion: '1.0', type: 'stock.high', tenant42: 'a' }]),
        'application/cloudevents-batch+json',
      );
      expect(batch.status).toBe(200);
      expect(batch.body.items).toHaveLength(1);
      const badName = await publish(
        JSON.stringify({ specversion: '1.0', type: 'stock.low', Bad_Ext: 1 }),
        'application/cloudevents+json',
      );
      expect(badName.status).toBe(400);
      expect(badName.body.errors).toEqual([
        {
          path: '/Bad_Ext',
          message: 'is not a known field (extension attribute names are lower-case letters and digits)',
        },
      ]);
    });

    it('keeps binary mode, whose body is the data whatever fields it has', async () => {
      const res = await publish(JSON.stringify({ left: 900, bogus: true }), 'application/json', {
        'ce-specversion': '1.0',
        'ce-type': 'stock.high',
        'ce-id': 'bin-1',
      });
      expect(res.status).toBe(200);
      expect(await stored(res.body.eventId)).toMatchObject({
        type: 'stock.high',
        data: { left: 900, bogus: true },
      });
    });

    it('documents each accepted shape in the OpenAPI document', async () => {
      const doc = (await t.api.get('/openapi.json')).body;
      const body = doc.paths['/api/orgs/{org}/eventhook/events'].post.requestBody;
      expect(Object.keys(body.content)).toEqual([
        'application/json',
        'application/cloudevents+json',
        'application/cloudevents-batch+json',
      ]);
      const [event, batch] = body.content['application/json'].schema.anyOf;
      expect(event).toMatchObject({ type: 'object', additionalProperties: false });
      expect(Object.keys(event.properties)).toEqual(expect.arrayContaining(['type', 'source', 'data', 'id']));
      expect(batch).toMatchObject({ type: 'array', items: { type: 'object', additionalProperties: false } });
      const structured = body.content['application/cloudevents+json'].schema;
      expect(structured).toMatchObject({
        type: 'object',
        propertyNames: { pattern: '^(?:[a-z0-9]+|data_base64)$' },
      });
      expect(Object.keys(structured.properties)).toEqual(
        expect.arrayContaining(['specversion', 'data_base64']),
      );
      expect(body.content['application/cloudevents-batch+json'].schema).toMatchObject({ type: 'array' });
    });
  });
});
