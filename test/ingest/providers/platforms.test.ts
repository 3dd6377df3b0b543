// Twitch EventSub, Microsoft Graph, Dropbox and X (node:crypto), and Google Pub/Sub push (an RS256 token signed
// with node:crypto, checked by google-auth-library and by our verifier against a JWKS served on port 0).
import { createHmac, createPublicKey, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inbound, rsaKeys, tamper, URL_BASE } from '../fixtures.js';
import { extracted, provider, verifyAs } from './provider-harness.js';

const JSON_CT = { 'content-type': 'application/json' };

describe('twitch', () => {
  const SECRET = 'twitch-secret-0123';
  const BODY =
    '{"subscription":{"type":"channel.follow","condition":{"broadcaster_user_id":"1337"}},"event":{"user_id":"1"}}';
  const req = (ts: string, id = 'msg-1', body = BODY) =>
    inbound({
      headers: {
        ...JSON_CT,
        'twitch-eventsub-message-id': id,
        'twitch-eventsub-message-timestamp': ts,
        'twitch-eventsub-message-type': 'notification',
        'twitch-eventsub-subscription-type': 'channel.follow',
        'twitch-eventsub-message-signature': `sha256=${createHmac('sha256', SECRET)
          .update(id + ts + body)
          .digest('hex')}`,
      },
      body,
    });

  it('accepts id + timestamp + body signatures, rejects tampering, a changed id and age over 10 min', async () => {
    const now = Date.now();
    const ts = '2026-01-01T12:00:00.123456789Z';
    const at = Date.parse(ts);
    expect(await verifyAs('twitch', req(ts), [SECRET], { now: at + 1000 })).toEqual({ ok: true });
    expect((await verifyAs('twitch', tamper(req(ts)), [SECRET], { now: at })).ok).toBe(false);
    const r = req(ts);
    const moved = { ...r, headers: { ...r.headers, 'twitch-eventsub-message-id': 'msg-2' } };
    expect((await verifyAs('twitch', moved, [SECRET], { now: at })).ok).toBe(false);
    expect(await verifyAs('twitch', req(ts), [SECRET], { now: at + 601_000 })).toMatchObject({
      reason: 'stale_timestamp',
    });
    expect(extracted('twitch', req(new Date(now).toISOString()))).toMatchObject({
      type: 'channel.follow',
      subject: '1337',
      key: 'msg-1',
    });
  });
});

describe('microsoft-graph', () => {
  const STATE = 'client-state-secret';
  const body = (...states: string[]) =>
    JSON.stringify({
      value: states.map((clientState) => ({
        changeType: 'created',
        resource: 'Users/u/Messages/m',
        clientState,
      })),
    });
  const req = (b: string) => inbound({ headers: JSON_CT, body: b });

  it('accepts when every notification carries the clientState, rejects a batch with one forged', async () => {
    expect(await verifyAs('microsoft-graph', req(body(STATE, STATE)), [STATE])).toEqual({ ok: true });
    expect(await verifyAs('microsoft-graph', req(body(STATE, 'forged')), [STATE])).toMatchObject({
      reason: 'bad_credentials',
    });
    expect(extracted('microsoft-graph', req(body(STATE)))).toMatchObject({
      type: 'created',
      subject: 'Users/u/Messages/m',
    });
  });
});

describe('dropbox and x', () => {
  it('dropbox: hex HMAC-SHA256 of the body', async () => {
    const BODY = '{"list_folder":{"accounts":["dbid:1"]}}';
    const r = inbound({
      headers: { ...JSON_CT, 'x-dropbox-signature': createHmac('sha256', 'app').update(BODY).digest('hex') },
      body: BODY,
    });
    expect(await verifyAs('dropbox', r, ['app'])).toEqual({ ok: true });
    expect((await verifyAs('dropbox', tamper(r), ['app'])).ok).toBe(false);
    expect(extracted('dropbox', r).type).toBe('list_folder');
  });

  it('x: sha256= + base64 HMAC-SHA256 with the consumer secret', async () => {
    const BODY = '{"for_user_id":"2244994945","tweet_create_events":[{"id":"1"}]}';
    const sig = `sha256=${createHmac('sha256', 'consumer').update(BODY).digest('base64')}`;
    const r = inbound({ headers: { ...JSON_CT, 'x-twitter-webhooks-signature': sig }, body: BODY });
    expect(await verifyAs('x', r, ['consumer'])).toEqual({ ok: true });
    expect((await verifyAs('x', tamper(r), ['consumer'])).ok).toBe(false);
    expect(extracted('x', r)).toMatchObject({ type: 'tweet_create_events', subject: '2244994945' });
  });
});

describe('google-pubsub', () => {
  const rsa = rsaKeys();
  const EMAIL = 'pusher@project.iam.gserviceaccount.com';
  const BODY =
    '{"message":{"attributes":{"eventType":"OBJECT_FINALIZE"},"data":"e30=","messageId":"136969346945"},"subscription":"projects/p/subscriptions/s"}';
  let server: Server;
  let jwksUrl = '';

  beforeAll(async () => {
    const jwk = {
      ...createPublicKey(rsa.publicPem).export({ format: 'jwk' }),
      kid: 'google-1',
      alg: 'RS256',
      use: 'sig',
    };
    server = createServer((_req, res) =>
      res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth2/v3/certs`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** An OIDC token as Google signs it: RS256, kid, iss, aud, email, email_verified, iat, exp. */
  function googleToken(claims: Record<string, unknown>): string {
    const now = Math.floor(Date.now() / 1000);
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const head = `${enc({ alg: 'RS256', kid: 'google-1', typ: 'JWT' })}.${enc({
      iss: 'https://accounts.google.com',
      aud: URL_BASE,
      email: EMAIL,
      email_verified: true,
      sub: '1234',
      iat: now,
      exp: now + 3600,
      ...claims,
    })}`;
    return `${head}.${sign('sha256', Buffer.from(head), rsa.privatePem).toString('base64url')}`;
  }
  const req = (token: string) =>
    inbound({ headers: { ...JSON_CT, authorization: `Bearer ${token}` }, body: BODY });
  const options = () => ({ audience: URL_BASE, serviceAccountEmail: EMAIL, jwksUrl });

  it('accepts a token google-auth-library accepts', async () => {
    const token = googleToken({});
    const ticket = await new OAuth2Client().verifySignedJwtWithCertsAsync(
      token,
      { 'google-1': rsa.publicPem },
      URL_BASE,
      ['https://accounts.google.com', 'accounts.google.com'],
    );
    expect(ticket.getPayload()?.email).toBe(EMAIL);
    expect(await verifyAs('google-pubsub', req(token), [], { options: options() })).toEqual({ ok: true });
  });

  it('rejects another audience, another service account, an unverified email and an expired token', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const claims of [
      { aud: 'https://elsewhere' },
      { email: 'evil@x.iam.gserviceaccount.com' },
      { email_verified: false },
      { iat: now - 7200, exp: now - 3600 },
    ]) {
      expect(
        await verifyAs('google-pubsub', req(googleToken(claims)), [], { options: options() }),
        JSON.stringify(claims),
      ).toMatchObject({
        ok: false,
        reason: 'invalid_token',
      });
    }
  });

  it('needs audience and serviceAccountEmail; types by the eventType attribute; dedups on messageId', () => {
    expect(() => provider('google-pubsub').verifier({ audience: URL_BASE })).toThrow(/serviceAccountEmail/);
    expect(extracted('google-pubsub', req('t'))).toMatchObject({
      type: 'OBJECT_FINALIZE',
      key: '136969346945',
      subject: 'projects/p/subscriptions/s',
    });
  });
});
