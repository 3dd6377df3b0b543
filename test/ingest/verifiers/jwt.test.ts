// The jwt verifier: shared keys, PEM, inline and remote JWKS, claim checks, algorithm confusion, Atlassian qsh.
import { createHmac, createPrivateKey, createPublicKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createQueryStringHash, encodeSymmetric, fromMethodAndUrl } from 'atlassian-jwt';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { atlassianQsh, createVerifier, type JwtConfig } from '../../../src/ingest/verifiers/index.js';
import { inbound, rsaKeys } from '../fixtures.js';

const NOW = Date.UTC(2026, 0, 1, 12);
const s = (ms: number) => Math.floor(ms / 1000);
const rsa = rsaKeys();
const SHARED = 'a-shared-hmac-key-of-some-length';

const hs256 = (claims: Record<string, unknown>) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt(s(NOW))
    .setExpirationTime(s(NOW) + 300)
    .sign(Buffer.from(SHARED));

const bearer = (token: string, url?: string) =>
  inbound({ url, headers: { authorization: `Bearer ${token}` } });
const verify = (
  config: Omit<JwtConfig, 'type'>,
  req: ReturnType<typeof inbound>,
  secrets: string[],
  now = NOW,
) => createVerifier({ type: 'jwt', ...config }).verify(req, { now, secrets });

let server: Server;
let jwksUrl = '';
beforeAll(async () => {
  const jwk = { ...createPublicKey(rsa.publicPem).export({ format: 'jwk' }), kid: 'k1', alg: 'RS256' };
  server = createServer((_req, res) =>
    res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('jwt verifier', () => {
  it('accepts HS256 with the shared key and rejects another key', async () => {
    const token = await hs256({ sub: 'x' });
    expect(await verify({ algorithms: ['HS256'] }, bearer(token), [SHARED])).toEqual({ ok: true });
    expect(await verify({ algorithms: ['HS256'] }, bearer(token), ['other-key'])).toMatchObject({
      reason: 'invalid_token',
    });
  });

  it('accepts RS256 with a PEM key, an inline JWKS and a JWKS URL', async () => {
    const token = await new SignJWT({ sub: 'x' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setExpirationTime(s(NOW) + 60)
      .sign(createPrivateKey(rsa.privatePem));
    const jwks = JSON.stringify({
      keys: [{ ...createPublicKey(rsa.publicPem).export({ format: 'jwk' }), kid: 'k1' }],
    });
    expect(await verify({ algorithms: ['RS256'] }, bearer(token), [rsa.publicPem])).toEqual({ ok: true });
    expect(await verify({ algorithms: ['RS256'] }, bearer(token), [jwks])).toEqual({ ok: true });
    expect(await verify({ algorithms: ['RS256'], jwksUrl }, bearer(token), [])).toEqual({ ok: true });
    expect(await verify({ algorithms: ['RS256'] }, bearer(token), [rsaKeys().publicPem])).toMatchObject({
      reason: 'invalid_token',
    });
  });

  it('checks audience, issuer, required claims, expiry and token age', async () => {
    const key = createPrivateKey(rsa.privatePem);
    const make = (claims: Record<string, unknown>, exp = s(NOW) + 60) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256' })
        .setIssuedAt(s(NOW) - 10)
        .setExpirationTime(exp)
        .sign(key);
    const cfg = {
      algorithms: ['RS256' as const],
      audience: 'https://hooks',
      issuer: 'https://accounts.google.com',
      claims: { email: 'a@b.c', email_verified: true },
    };
    const good = {
      aud: 'https://hooks',
      iss: 'https://accounts.google.com',
      email: 'a@b.c',
      email_verified: true,
    };
    expect(await verify(cfg, bearer(await make(good)), [rsa.publicPem])).toEqual({ ok: true });
    for (const bad of [
      { aud: 'https://other' },
      { iss: 'https://evil' },
      { email: 'x@b.c' },
      { email_verified: false },
    ]) {
      expect(
        await verify(cfg, bearer(await make({ ...good, ...bad })), [rsa.publicPem]),
        JSON.stringify(bad),
      ).toMatchObject({
        reason: 'invalid_token',
      });
    }
    expect(await verify(cfg, bearer(await make(good, s(NOW) - 31)), [rsa.publicPem])).toMatchObject({
      detail: expect.stringContaining('ERR_JWT_EXPIRED'),
    });
    expect(
      await verify({ ...cfg, maxTokenAgeSeconds: 5, clockToleranceSeconds: 0 }, bearer(await make(good)), [
        rsa.publicPem,
      ]),
    ).toMatchObject({
      reason: 'invalid_token',
    });
  });

  it('requires exp, refuses alg none and HS256 tokens keyed with a public key (algorithm confusion)', async () => {
    const noExp = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).sign(Buffer.from(SHARED));
    expect(await verify({ algorithms: ['HS256'] }, bearer(noExp), [SHARED])).toMatchObject({
      reason: 'invalid_token',
    });
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(`{"exp":${s(NOW) + 60}}`).toString('base64url')}.`;
    expect(await verify({}, bearer(none), [SHARED])).toMatchObject({ reason: 'invalid_token' });
    // Forge an HS256 token using the public PEM as the HMAC key: must not verify against that PEM.
    const head = `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from(`{"exp":${s(NOW) + 60}}`).toString('base64url')}`;
    const forged = `${head}.${createHmac('sha256', rsa.publicPem).update(head).digest('base64url')}`;
    expect(await verify({ algorithms: ['HS256', 'RS256'] }, bearer(forged), [rsa.publicPem])).toMatchObject({
      ok: false,
    });
  });

  it('says what is missing', async () => {
    expect(await verify({}, inbound({}), [SHARED])).toMatchObject({ reason: 'missing_credentials' });
    expect(await verify({}, inbound({ headers: { authorization: 'Basic abc' } }), [SHARED])).toMatchObject({
      reason: 'bad_encoding',
    });
    expect(await verify({}, bearer('a.b.c'), [])).toMatchObject({ reason: 'misconfigured' });
  });

  it('fails closed when the JWKS URL cannot be loaded', async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setExpirationTime(s(NOW) + 60)
      .sign(createPrivateKey(rsa.privatePem));
    const res = await verify(
      { algorithms: ['RS256'], jwksUrl: 'http://127.0.0.1:9/none' },
      bearer(token),
      [],
    );
    expect(res).toMatchObject({ ok: false, reason: 'misconfigured' });
  });
});

describe('Atlassian qsh', () => {
  const urls = [
    'https://hooks.example.com/api/orgs/acme/eventhook/in/jira',
    'https://hooks.example.com/in/jira/?b=2&a=1&a=0&c=x%20y&jwt=skip',
    "https://hooks.example.com/in/a&b?q=it's*(ok)!&e=",
  ];

  it('computes the same hash as atlassian-jwt', () => {
    for (const url of urls) {
      expect(atlassianQsh('post', url), url).toBe(createQueryStringHash(fromMethodAndUrl('POST', url)));
    }
    const base = 'https://hooks.example.com/api/orgs/acme/eventhook';
    expect(atlassianQsh('POST', urls[0] as string, base)).toBe(
      createQueryStringHash(fromMethodAndUrl('POST', urls[0] as string), false, base),
    );
  });

  it('accepts a Connect webhook JWT made by atlassian-jwt and rejects one for another URL', async () => {
    const url = urls[0] as string;
    const claims = { iss: 'client-key', iat: s(NOW), exp: s(NOW) + 180 };
    const cfg = { scheme: 'JWT', algorithms: ['HS256' as const], qsh: true, issuer: 'client-key' };
    const token = encodeSymmetric(
      { ...claims, qsh: createQueryStringHash(fromMethodAndUrl('POST', url)) },
      SHARED,
    );
    const req = inbound({ url, headers: { authorization: `JWT ${token}` } });
    expect(await verify(cfg, req, [SHARED])).toEqual({ ok: true });
    const elsewhere = encodeSymmetric(
      { ...claims, qsh: createQueryStringHash(fromMethodAndUrl('POST', `${url}/x`)) },
      SHARED,
    );
    expect(
      await verify(cfg, inbound({ url, headers: { authorization: `JWT ${elsewhere}` } }), [SHARED]),
    ).toMatchObject({
      reason: 'invalid_token',
      detail: expect.stringContaining('qsh'),
    });
  });
});
