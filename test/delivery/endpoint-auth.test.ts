// Endpoint auth against real receivers: static credentials, redaction, and OAuth2 client credentials with caching.
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, isEventhookError } from '../../src/core/index.js';
import {
  AddressPolicy,
  AuthenticatedSender,
  HttpSender,
  parseEndpointAuth,
  redactHeaders,
  type EndpointAuth,
  type OAuth2ClientCredentials,
} from '../../src/delivery/index.js';
import { startReceiver, type Receiver } from './fixtures/receiver.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((f) => f()));
});

async function setup(policy = AddressPolicy.fromAllowList(['127.0.0.1/32'])) {
  const http = new HttpSender({ policy });
  const clock = new ManualClock();
  cleanup.push(() => http.close());
  return { http, clock, sender: new AuthenticatedSender(http, clock) };
}
async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const r = await startReceiver(...args);
  cleanup.push(() => r.close());
  return r;
}

/** A token endpoint that issues tok-1, tok-2, … and records each token request. */
async function tokenServer(expiresIn: number | undefined = 3600) {
  let n = 0;
  const r = await receiver((req, res) => {
    n++;
    const form = new URLSearchParams(req.body.toString());
    if (form.get('grant_type') !== 'client_credentials') {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"unsupported_grant_type"}');
      return;
    }
    const basic = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
    const [id, secret] = basic
      ? basic.split(':').map(decodeURIComponent)
      : [form.get('client_id'), form.get('client_secret')];
    if (id !== 'client 1' || secret !== 's3cr:t') {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_client"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        access_token: `tok-${n}`,
        token_type: 'Bearer',
        ...(expiresIn ? { expires_in: expiresIn } : {}),
      }),
    );
  });
  return { r, issued: () => n };
}

/** A receiver that accepts only the token it is told is current. */
async function protectedEndpoint() {
  let valid = 'tok-1';
  const r = await receiver((req, res) => {
    res.writeHead(req.headers.authorization === `Bearer ${valid}` ? 200 : 401).end();
  });
  return { r, accept: (t: string) => (valid = t) };
}

const oauth = (tokenUrl: string, extra: Partial<OAuth2ClientCredentials> = {}): EndpointAuth => ({
  type: 'oauth2_client_credentials',
  tokenUrl,
  clientId: 'client 1',
  clientSecret: 's3cr:t',
  scope: 'hooks:write',
  ...extra,
});

describe('static auth', () => {
  it.each([
    [
      { type: 'basic', username: 'u', password: 'p:w' },
      'authorization',
      'Basic ' + Buffer.from('u:p:w').toString('base64'),
    ],
    [{ type: 'bearer', token: 'abc' }, 'authorization', 'Bearer abc'],
    [{ type: 'api_key', header: 'X-Api-Key', value: 'k1' }, 'x-api-key', 'k1'],
  ] as const)('%o reaches the endpoint and is redacted for the attempt log', async (auth, header, value) => {
    const { sender } = await setup();
    const r = await receiver();
    const result = await sender.send('ep_1', auth, {
      url: r.url,
      headers: { [header]: 'overridden' },
      body: '{}',
      timeoutMs: 5000,
    });
    expect(result.status).toBe(200);
    expect(r.requests[0]!.headers[header]).toBe(value);
    expect(result.requestHeaders[header]).toBe(value);
    expect(redactHeaders(result.requestHeaders, { auth })[header]).toBe('[redacted]');
    expect(redactHeaders(result.requestHeaders, { auth })['user-agent']).toMatch(/^Eventhook/);
    // Custom headers that look like credentials are masked whatever the auth type.
    const custom = redactHeaders(
      { 'x-api-key': 'k', 'x-auth-token': 't', 'x-client-secret': 's', cookie: 'c', 'x-tenant': 'acme' },
      { auth: { type: 'none' } },
    );
    expect(custom).toEqual({
      'x-api-key': '[redacted]',
      'x-auth-token': '[redacted]',
      'x-client-secret': '[redacted]',
      cookie: '[redacted]',
      'x-tenant': 'acme',
    });
  });

  it('none adds nothing', async () => {
    const { sender } = await setup();
    const r = await receiver();
    await sender.send('ep_1', { type: 'none' }, { url: r.url, headers: {}, body: '', timeoutMs: 5000 });
    expect(r.requests[0]!.headers.authorization).toBeUndefined();
  });
});

describe('parseEndpointAuth', () => {
  it('accepts each type and defaults to none', () => {
    expect(parseEndpointAuth(undefined)).toEqual({ type: 'none' });
    expect(parseEndpointAuth({ type: 'bearer', token: 't' })).toEqual({ type: 'bearer', token: 't' });
    expect(
      parseEndpointAuth({
        type: 'oauth2_client_credentials',
        tokenUrl: 'https://id.example/token',
        clientId: 'a',
        clientSecret: 'b',
      }),
    ).toEqual({
      type: 'oauth2_client_credentials',
      tokenUrl: 'https://id.example/token',
      clientId: 'a',
      clientSecret: 'b',
    });
  });

  it.each([
    [{ type: 'magic' }, '/endpoint/auth/type: must be one of'],
    [{ type: 'basic', username: 'a:b', password: 'x' }, '/endpoint/auth/username: must not contain ":"'],
    [{ type: 'bearer', token: 'a\r\nX-Evil: 1' }, '/endpoint/auth/token: must not contain CR'],
    [
      { type: 'api_key', header: 'webhook-signature', value: 'x' },
      '/endpoint/auth/header: webhook-signature is set by Eventhook',
    ],
    [
      { type: 'api_key', header: 'bad header', value: 'x' },
      '/endpoint/auth/header: is not a valid header name',
    ],
    [
      { type: 'oauth2_client_credentials', tokenUrl: 'file:///etc/passwd', clientId: 'a', clientSecret: '' },
      '/endpoint/auth/tokenUrl: must be an http',
    ],
  ])('refuses %o with a located message', (input, message) => {
    let caught: unknown;
    try {
      parseEndpointAuth(input, '/endpoint/auth');
    } catch (err) {
      caught = err;
    }
    expect(isEventhookError(caught, 'EH_REQUEST_INVALID')).toBe(true);
    expect((caught as Error).message).toContain(message);
  });
});

describe('OAuth2 client credentials', () => {
  it('fetches a token once, caches it per endpoint, and renews it when it expires', async () => {
    const { sender, clock } = await setup();
    const tokens = await tokenServer(600);
    const ep = await protectedEndpoint();
    const auth = oauth(tokens.r.url);
    const send = (id = 'ep_1') =>
      sender.send(id, auth, { url: ep.r.url, headers: {}, body: '{}', timeoutMs: 5000 });

    expect((await send()).status).toBe(200);
    expect((await send()).status).toBe(200);
    expect(tokens.issued()).toBe(1);
    const form = new URLSearchParams(tokens.r.requests[0]!.body.toString());
    expect(form.get('scope')).toBe('hooks:write');
    expect(tokens.r.requests[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');

    // Another endpoint has its own token.
    ep.accept('tok-2');
    expect((await send('ep_2')).status).toBe(200);
    expect(tokens.issued()).toBe(2);

    // Renewed shortly before expiry (600 s, minus 30 s of skew).
    clock.advance(569_000);
    ep.accept('tok-1');
    expect((await send()).status).toBe(200);
    expect(tokens.issued()).toBe(2);
    clock.advance(1_000);
    ep.accept('tok-3');
    expect((await send()).status).toBe(200);
    expect(tokens.issued()).toBe(3);
  });

  it('on 401 drops the token, fetches a new one and retries once', async () => {
    const { sender } = await setup();
    const tokens = await tokenServer();
    const ep = await protectedEndpoint();
    const auth = oauth(tokens.r.url);
    const send = () => sender.send('ep_1', auth, { url: ep.r.url, headers: {}, body: '{}', timeoutMs: 5000 });
    expect((await send()).status).toBe(200);
    ep.accept('tok-2'); // the endpoint revoked tok-1
    const result = await send();
    expect(result.status).toBe(200);
    expect(result.requestHeaders.authorization).toBe('Bearer tok-2');
    expect(ep.r.requests.map((q) => q.headers.authorization)).toEqual([
      'Bearer tok-1',
      'Bearer tok-1',
      'Bearer tok-2',
    ]);

    ep.accept('never');
    const stillDenied = await send();
    expect(stillDenied.status).toBe(401); // one refresh per attempt, then the 401 is the result
    expect(tokens.issued()).toBe(3);
  });

  it('shares one token fetch among concurrent deliveries', async () => {
    const { sender } = await setup();
    const tokens = await tokenServer();
    const ep = await protectedEndpoint();
    const auth = oauth(tokens.r.url);
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        sender.send('ep_1', auth, { url: ep.r.url, headers: {}, body: '', timeoutMs: 5000 }),
      ),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(tokens.issued()).toBe(1);
  });

  it('supports client_secret_post and refetches when the credentials change', async () => {
    const { sender } = await setup();
    const tokens = await tokenServer();
    const ep = await protectedEndpoint();
    const post = oauth(tokens.r.url, { clientAuthMethod: 'client_secret_post' });
    expect(
      (await sender.send('ep_1', post, { url: ep.r.url, headers: {}, body: '', timeoutMs: 5000 })).status,
    ).toBe(200);
    expect(tokens.r.requests[0]!.headers.authorization).toBeUndefined();
    ep.accept('tok-2');
    const changed = oauth(tokens.r.url, { scope: 'other' });
    expect(
      (await sender.send('ep_1', changed, { url: ep.r.url, headers: {}, body: '', timeoutMs: 5000 })).status,
    ).toBe(200);
    expect(tokens.issued()).toBe(2);
  });

  it('a failed token request is an auth error and nothing is sent to the endpoint', async () => {
    const { sender } = await setup();
    const tokens = await tokenServer();
    const ep = await protectedEndpoint();
    const bad = oauth(tokens.r.url, { clientSecret: 'wrong' });
    const result = await sender.send('ep_1', bad, { url: ep.r.url, headers: {}, body: '', timeoutMs: 5000 });
    expect(result.error?.kind).toBe('auth');
    expect(result.error?.message).toContain('401 (invalid_client)');
    expect(ep.r.requests).toHaveLength(0);
  });

  it('the token request obeys the SSRF policy', async () => {
    const { sender } = await setup(AddressPolicy.strict());
    const tokens = await tokenServer();
    const result = await sender.send('ep_1', oauth(tokens.r.url), {
      url: 'https://hooks.example/',
      headers: {},
      body: '',
      timeoutMs: 5000,
    });
    expect(result.error?.kind).toBe('auth');
    expect(result.error?.message).toContain('forbidden_address');
    expect(tokens.issued()).toBe(0);
  });
});
