// Issue 3, end to end: the credential verifiers of `custom` sources (token in the URL path or query, basic_auth,
// api_key in a header or the query) over real HTTP. The right credential stores an event, a wrong or missing one
// gets the generic 401 and stores nothing, and the credential shows up neither in the stored event (as the events
// API returns it) nor in the server's logs.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { capturedLogger } from '../helpers/logs.js';
import {
  BASE,
  createSource,
  expectAcceptedThenRefused,
  metricValue,
  type Delivery,
} from '../helpers/ingest.js';

// Distinct values, so a leak names the credential it is.
const QUERY_TOKEN = 'query-token-Fj4Wq8';
const NAMED_TOKEN = 'named-token-Rt5Yu1';
// Reserved characters: a path token must survive percent-encoding through the router's wildcard.
const PATH_TOKEN = 'path/token+Gh7=Kl2';
const PASSWORD = 'basic-password-Mn3Bv6';
const HEADER_KEY = 'header-key-Zx9Cv2';
const BEARER_KEY = 'bearer-key-Pq1Ws4';
const QUERY_KEY = 'query-key-Ed7Rf3';
const JWT_KEY = 'jwt-shared-key-Tg6Yh2-0123456789abcdef';
const SECRETS = [QUERY_TOKEN, NAMED_TOKEN, PATH_TOKEN, PASSWORD, HEADER_KEY, BEARER_KEY, QUERY_KEY];

const BODY = '{"type":"order.paid","order":{"id":42}}';
const EXPECTED = { type: 'order.paid', subject: null, key: null };
// A harmless header beside the credential: headers are stored, only the credential is dropped.
const HEADERS = { 'content-type': 'application/json', 'x-request-id': 'req-1' };

/** An HS256 token valid for an hour: a bearer credential in its own right until it expires. */
function hs256(key: string): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const signed = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ exp: Math.floor(Date.now() / 1000) + 3600 })}`;
  return `${signed}.${createHmac('sha256', key).update(signed).digest('base64url')}`;
}
const JWT = hs256(JWT_KEY);

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** A JSON delivery with extra headers and a path or query suffix. */
const post = (headers: Record<string, string> = {}, suffix = ''): Delivery => ({
  headers: { ...HEADERS, ...headers },
  body: BODY,
  suffix,
});

describe('custom sources with credential verifiers, over HTTP (SQLite)', () => {
  let t: TestApp;
  const log = capturedLogger('trace');

  beforeAll(async () => {
    t = await startTestApp('sqlite', {
      env: { EVENTHOOK_LOG_LEVEL: 'trace' },
      logger: log.logger,
    });
    await createSource(t, { slug: 'tok-query', verifier: { type: 'token', token: QUERY_TOKEN } });
    await createSource(t, {
      slug: 'tok-named',
      verifier: { type: 'token', in: 'query', name: 'hook_secret', token: NAMED_TOKEN },
    });
    await createSource(t, { slug: 'tok-path', verifier: { type: 'token', in: 'path', token: PATH_TOKEN } });
    await createSource(t, {
      slug: 'basic',
      verifier: { type: 'basic_auth', username: 'hooks', password: PASSWORD },
    });
    await createSource(t, {
      slug: 'key-header',
      verifier: { type: 'api_key', name: 'X-Hook-Key', key: HEADER_KEY },
    });
    await createSource(t, {
      slug: 'key-bearer',
      verifier: { type: 'api_key', name: 'Authorization', scheme: 'Bearer', key: BEARER_KEY },
    });
    await createSource(t, {
      slug: 'jwt-header',
      verifier: { type: 'jwt', header: 'X-Hook-Jwt', algorithms: ['HS256'], key: JWT_KEY },
    });
    await createSource(t, {
      slug: 'key-query',
      verifier: { type: 'api_key', in: 'query', name: 'apikey', key: QUERY_KEY },
    });
  });
  afterAll(async () => t?.close());

  /** The event as the events API shows it, JSON and raw body, all as one text to search for a credential. */
  async function shownEvent(id: string): Promise<{ event: any; text: string }> {
    const event = await t.api.get(`${BASE}/events/${id}`);
    const raw = await t.api.get(`${BASE}/events/${id}/raw`);
    expect(event.status).toBe(200);
    expect(raw.status).toBe(200);
    return { event: event.body, text: `${event.text}\n${raw.text}` };
  }

  /** The stored event shows its body and harmless headers, and no trace of the credential. */
  async function expectNoCredential(id: string, credential: string, header?: string): Promise<void> {
    const { event, text } = await shownEvent(id);
    expect(event.data).toEqual(JSON.parse(BODY));
    expect(event.headers).toMatchObject(HEADERS);
    if (header) expect(event.headers).not.toHaveProperty(header);
    expect(text).not.toContain(credential);
    expect(text).not.toContain(encodeURIComponent(credential));
  }

  const rejected = (source: string, reason: string) =>
    metricValue(t, 'eventhook_webhooks_rejected_total', { source, reason });

  it('token in the query, under the default parameter and a named one', async () => {
    const id = await expectAcceptedThenRefused(t, 'tok-query', post({}, `?token=${QUERY_TOKEN}`), EXPECTED, {
      'wrong token': post({}, '?token=query-token-Fj4Wq9'),
      'no token': post(),
      'empty token': post({}, '?token='),
      'token under another parameter': post({}, `?hook_secret=${QUERY_TOKEN}`),
      // A query source does not read the path, even though the route accepts a sub path.
      'token in the path': post({}, `/${QUERY_TOKEN}`),
      'token in a header': post({ token: QUERY_TOKEN }),
    });
    await expectNoCredential(id, QUERY_TOKEN);
    expect(await rejected('tok-query', 'bad_credentials')).toBe(1);
    expect(await rejected('tok-query', 'missing_credentials')).toBe(5);

    const named = await expectAcceptedThenRefused(
      t,
      'tok-named',
      post({}, `?a=1&hook_secret=${NAMED_TOKEN}`),
      EXPECTED,
      {
        'default parameter name': post({}, `?token=${NAMED_TOKEN}`),
        'wrong token': post({}, '?hook_secret=nope'),
      },
    );
    await expectNoCredential(named, NAMED_TOKEN);
  });

  it('token in the URL path, through the /in/{source}/* route, percent-encoded', async () => {
    const id = await expectAcceptedThenRefused(
      t,
      'tok-path',
      post({}, `/${encodeURIComponent(PATH_TOKEN)}`),
      EXPECTED,
      {
        'wrong token': post({}, '/path%2Ftoken%2BGh7%3DKl3'),
        // Unencoded, the token's own slash splits it: the last segment is only part of it.
        'token not encoded': post({}, `/${PATH_TOKEN}`),
        'no token': post(),
        'token in the query': post({}, `?token=${encodeURIComponent(PATH_TOKEN)}`),
        'token before another segment': post({}, `/${encodeURIComponent(PATH_TOKEN)}/extra`),
      },
    );
    await expectNoCredential(id, PATH_TOKEN);
    // Nothing after the source (the bare URL, or only a query) is a missing token, not a wrong one.
    expect(await rejected('tok-path', 'bad_credentials')).toBe(3);
    expect(await rejected('tok-path', 'missing_credentials')).toBe(2);
  });

  it('basic_auth: the username and password both count; Authorization is never stored', async () => {
    const id = await expectAcceptedThenRefused(
      t,
      'basic',
      post({ authorization: basic('hooks', PASSWORD) }),
      EXPECTED,
      {
        'wrong password': post({ authorization: basic('hooks', 'basic-password-Mn3Bv7') }),
        'wrong username': post({ authorization: basic('hook', PASSWORD) }),
        'empty password': post({ authorization: basic('hooks', '') }),
        'no Authorization': post(),
        'password as a bearer token': post({ authorization: `Bearer ${PASSWORD}` }),
        'password in the query': post({}, `?password=${PASSWORD}`),
      },
    );
    await expectNoCredential(id, PASSWORD, 'authorization');
    const { text } = await shownEvent(id);
    expect(text).not.toContain(basic('hooks', PASSWORD).slice(6));
    expect(await rejected('basic', 'bad_credentials')).toBe(3);
    expect(await rejected('basic', 'missing_credentials')).toBe(2);
    expect(await rejected('basic', 'bad_encoding')).toBe(1);
  });

  it('api_key in a header: the configured header is dropped from the stored event', async () => {
    const id = await expectAcceptedThenRefused(
      t,
      'key-header',
      post({ 'x-hook-key': HEADER_KEY }),
      EXPECTED,
      {
        'wrong key': post({ 'x-hook-key': 'header-key-Zx9Cv3' }),
        'no key': post(),
        'key in the query': post({}, `?X-Hook-Key=${HEADER_KEY}`),
        'key under another header': post({ 'x-api-token': HEADER_KEY }),
      },
    );
    await expectNoCredential(id, HEADER_KEY, 'x-hook-key');
    expect(await rejected('key-header', 'bad_credentials')).toBe(1);
    expect(await rejected('key-header', 'missing_credentials')).toBe(3);

    const bearer = await expectAcceptedThenRefused(
      t,
      'key-bearer',
      post({ authorization: `Bearer ${BEARER_KEY}` }),
      EXPECTED,
      {
        'key without the scheme': post({ authorization: BEARER_KEY }),
        'key as Basic': post({ authorization: `Basic ${BEARER_KEY}` }),
        'wrong key': post({ authorization: 'Bearer bearer-key-Pq1Ws5' }),
      },
    );
    await expectNoCredential(bearer, BEARER_KEY, 'authorization');
    expect(await rejected('key-bearer', 'bad_encoding')).toBe(2);
  });

  it('jwt in a header of its own: the token, replayable until it expires, is dropped from the stored event', async () => {
    const id = await expectAcceptedThenRefused(
      t,
      'jwt-header',
      post({ 'x-hook-jwt': `Bearer ${JWT}` }),
      EXPECTED,
      {
        'token signed with another key': post({
          'x-hook-jwt': `Bearer ${hs256('another-key-0123456789abcdef')}`,
        }),
        'token in Authorization': post({ authorization: `Bearer ${JWT}` }),
      },
    );
    await expectNoCredential(id, JWT, 'x-hook-jwt');
  });

  it('api_key in the query: a header of the same name does not count', async () => {
    const id = await expectAcceptedThenRefused(t, 'key-query', post({}, `?apikey=${QUERY_KEY}`), EXPECTED, {
      'key in a header': post({ apikey: QUERY_KEY }),
      'wrong key': post({}, '?apikey=query-key-Ed7Rf4'),
      'no key': post(),
    });
    await expectNoCredential(id, QUERY_KEY);
  });

  it('no secret reaches the logs, while the rejections are logged with their reason', async () => {
    const logs = log.text();
    expect(logs).toMatch(/"source":"tok-path","reason":"bad_credentials".*"msg":"webhook rejected"/);
    expect(logs).toMatch(/"source":"basic","reason":"missing_credentials".*"msg":"webhook rejected"/);
    for (const secret of SECRETS) {
      expect(logs, `${secret} in the logs`).not.toContain(secret);
      expect(logs, `${secret} in the logs`).not.toContain(encodeURIComponent(secret));
    }
    expect(logs).not.toContain(basic('hooks', PASSWORD).slice(6));
    // Nor do the management responses show them.
    for (const slug of [
      'tok-query',
      'tok-named',
      'tok-path',
      'basic',
      'key-header',
      'key-bearer',
      'key-query',
    ]) {
      const source = await t.api.get(`${BASE}/sources/${slug}`);
      expect(source.status).toBe(200);
      for (const secret of SECRETS) expect(source.text).not.toContain(secret);
    }
  });
});
