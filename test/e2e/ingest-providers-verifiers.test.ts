// Issue 3, end to end: providers with no official signer. Each request is signed with node:crypto following the
// provider's documentation, then checked by the provider's own verifier library (so a third party proves the
// format), then posted to a source created with {provider, secret}: accepted and stored as expected, while a
// tampered body and a stale timestamp get 401.
import { createHmac, createPublicKey, randomUUID, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LinearWebhookClient } from '@linear/sdk/webhooks';
import { Paddle } from '@paddle/paddle-node-sdk';
import { EventWebhook } from '@sendgrid/eventwebhook';
import { verifySlackRequest } from '@slack/bolt';
import { verifyKey } from 'discord-interactions';
import { OAuth2Client } from 'google-auth-library';
import { WebhooksHelper } from 'square';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import {
  type AcceptArgs,
  bodyDigest,
  createSource,
  deliver,
  expectAcceptedThenRefused,
  storedEvent,
  ingestUrlOf,
  tampered,
} from '../helpers/ingest.js';
import { ed25519Keys, p256Keys, rsaKeys } from '../ingest/fixtures.js';

const JSON_CT = { 'content-type': 'application/json' };
const FORM_CT = { 'content-type': 'application/x-www-form-urlencoded' };
const nowSeconds = () => Math.floor(Date.now() / 1000);
const hmac = (alg: string, key: string, data: string, enc: 'hex' | 'base64') =>
  createHmac(alg, key).update(data).digest(enc);

describe('providers signed with node:crypto and checked by their official verifier, end to end (SQLite)', () => {
  let t: TestApp;
  const acceptsAndRefuses = (...args: AcceptArgs) => expectAcceptedThenRefused(t, ...args);

  beforeAll(async () => {
    // The Pub/Sub test's key set is served on loopback: the outbound policy must allow it (it is refused otherwise,
    // see the SSRF test below).
    t = await startTestApp('sqlite', { env: { EVENTHOOK_OUTBOUND_ALLOW: '127.0.0.1' } });
  });
  afterAll(async () => t?.close());

  it('Slack: @slack/bolt verifySlackRequest agrees; JSON events and form-encoded slash commands', async () => {
    const secret = '8f742231b10e8888abcd99yyyzzz85a5';
    await createSource(t, { slug: 'slack', provider: 'slack', secret });
    const signed = (body: string, ts = nowSeconds(), ct: Record<string, string> = JSON_CT) => ({
      ...ct,
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': `v0=${hmac('sha256', secret, `v0:${ts}:${body}`, 'hex')}`,
    });
    const body = JSON.stringify({
      type: 'event_callback',
      team_id: 'T0001',
      event_id: 'Ev0PV52K21',
      event: { type: 'app_mention', text: '<@U0LAN0Z89> hi' },
    });
    const headers = signed(body);
    expect(() =>
      verifySlackRequest({
        signingSecret: secret,
        body,
        headers: {
          'x-slack-signature': headers['x-slack-signature'],
          'x-slack-request-timestamp': Number(headers['x-slack-request-timestamp']),
        },
      }),
    ).not.toThrow();
    await acceptsAndRefuses(
      'slack',
      { headers, body },
      { type: 'app_mention', subject: 'T0001', key: 'Ev0PV52K21' },
      {
        tampered: { headers, body: tampered(body) },
        stale: { headers: signed(body, nowSeconds() - 301), body },
      },
    );
    const form =
      'token=x&team_id=T0001&command=%2Fweather&text=94070&trigger_id=13345224609.738474920.8088930838d88f008e0';
    const formHeaders = signed(form, nowSeconds(), FORM_CT);
    expect(() =>
      verifySlackRequest({
        signingSecret: secret,
        body: form,
        headers: {
          'x-slack-signature': formHeaders['x-slack-signature'],
          'x-slack-request-timestamp': Number(formHeaders['x-slack-request-timestamp']),
        },
      }),
    ).not.toThrow();
    // Keyed by its trigger_id, made once per invocation: the helper's redelivery of it is the same event.
    await acceptsAndRefuses(
      'slack',
      { headers: formHeaders, body: form },
      { type: 'slash_command', subject: 'T0001', key: '13345224609.738474920.8088930838d88f008e0' },
      { tampered: { headers: formHeaders, body: form.replace('94070', '94071') } },
    );
    // A retry Slack signs afresh (a new timestamp, so other bytes) is still that one command: one event.
    const later = nowSeconds() + 1;
    const retry = await deliver(t, 'slack', { headers: signed(form, later, FORM_CT), body: form });
    expect(retry.status, retry.text).toBe(200);
    expect(retry.json).toMatchObject({ duplicate: true });
    // Another invocation of the same command has a trigger_id of its own: a new event.
    const next = form.replace('8088930838d88f008e0', '8088930838d88f008e1');
    const other = await deliver(t, 'slack', { headers: signed(next, nowSeconds(), FORM_CT), body: next });
    expect(other.status, other.text).toBe(200);
    expect(other.json).toMatchObject({ duplicate: false });
    expect(other.headers.get('eventhook-event-id')).not.toBe(retry.headers.get('eventhook-event-id'));
  });

  it('Slack interactivity: the payload field is parsed into data, typed by payload.type, deduplicated by trigger_id', async () => {
    const secret = '8f742231b10e8888abcd99yyyzzz85a6';
    await createSource(t, { slug: 'slack-interactive', provider: 'slack', secret });
    const payload = {
      type: 'block_actions',
      team: { id: 'T0001', domain: 'example' },
      user: { id: 'U0001' },
      trigger_id: '13345224609.738474920.8088930838d88f008e0',
      actions: [
        { action_id: 'approve', block_id: 'b1', type: 'button', value: 'pr-42', action_ts: '1700000000.1' },
      ],
    };
    // As Slack posts it: a form with one field, the signature over the raw form string.
    const form = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const ts = nowSeconds();
    const headers = {
      ...FORM_CT,
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': `v0=${hmac('sha256', secret, `v0:${ts}:${form}`, 'hex')}`,
    };
    expect(() =>
      verifySlackRequest({
        signingSecret: secret,
        body: form,
        headers: {
          'x-slack-signature': headers['x-slack-signature'],
          'x-slack-request-timestamp': ts,
        },
      }),
    ).not.toThrow();
    const eventId = await acceptsAndRefuses(
      'slack-interactive',
      { headers, body: form },
      { type: 'block_actions', subject: 'T0001', key: payload.trigger_id },
      { tampered: { headers, body: form.replace('approve', 'approvf') } },
    );
    const event = await storedEvent(t, eventId);
    expect(event.data).toEqual({ payload });
    // A rule's pattern reaches into it.
    const tested = await t.api.post('/api/orgs/default/eventhook/rules/test', {
      pattern: { data: { payload: { actions: { action_id: ['approve'] } } } },
      event: { type: event.type, source: event.source, data: event.data },
    });
    expect(tested.status, tested.text).toBe(200);
    expect(tested.body.match).toBe(true);
  });

  it('Linear: @linear/sdk/webhooks LinearWebhookClient.verify agrees; freshness from the signed body', async () => {
    const secret = 'lin_wh_0123456789abcdef';
    await createSource(t, { slug: 'linear', provider: 'linear', secret });
    const body = (ts: number) =>
      JSON.stringify({
        action: 'create',
        type: 'Issue',
        data: { id: randomUUID(), identifier: 'ENG-42' },
        webhookId: 'subscription-wide-id',
        webhookTimestamp: ts,
      });
    const fresh = body(Date.now());
    const delivery = randomUUID();
    const headers = (b: string) => ({
      ...JSON_CT,
      'linear-delivery': delivery,
      'linear-event': 'Issue',
      'linear-signature': hmac('sha256', secret, b, 'hex'),
    });
    expect(
      new LinearWebhookClient(secret).verify(Buffer.from(fresh), headers(fresh)['linear-signature']),
    ).toBe(true);
    const stale = body(Date.now() - 61_000);
    expect(() =>
      new LinearWebhookClient(secret).verify(Buffer.from(stale), headers(stale)['linear-signature']),
    ).toThrow();
    await acceptsAndRefuses(
      'linear',
      { headers: headers(fresh), body: fresh },
      { type: 'Issue.create', subject: 'ENG-42', key: delivery },
      {
        tampered: { headers: headers(fresh), body: tampered(fresh) },
        stale: { headers: { ...headers(stale), 'linear-timestamp': String(Date.now()) }, body: stale },
      },
    );
  });

  it('Paddle Billing: the Paddle SDK isSignatureValid agrees; 5 s tolerance as the SDK', async () => {
    const secret = 'pdl_ntfset_01gkpjp8bkm3tm53kdgkx6sms7_6h3qd3uFSi9YCD3OLYAShQI90XTI5vEI';
    await createSource(t, { slug: 'paddle', provider: 'paddle', secret });
    const body =
      '{"event_id":"evt_01h8bzakzx3hm2fmen703n5q45","event_type":"transaction.completed","data":{"id":"txn_01"}}';
    const header = (ts: number, b = body) => `ts=${ts};h1=${hmac('sha256', secret, `${ts}:${b}`, 'hex')}`;
    const paddle = new Paddle('pdl_sdbx_apikey_01gtgztp8fake0000000000000_00000000000000000000');
    expect(await paddle.webhooks.isSignatureValid(body, secret, header(nowSeconds()))).toBe(true);
    expect(await paddle.webhooks.isSignatureValid(body, secret, header(nowSeconds() - 10))).toBe(false);
    await acceptsAndRefuses(
      'paddle',
      { headers: { ...JSON_CT, 'paddle-signature': header(nowSeconds()) }, body },
      { type: 'transaction.completed', subject: 'txn_01', key: 'evt_01h8bzakzx3hm2fmen703n5q45' },
      {
        tampered: { headers: { ...JSON_CT, 'paddle-signature': header(nowSeconds()) }, body: tampered(body) },
        stale: { headers: { ...JSON_CT, 'paddle-signature': header(nowSeconds() - 10) }, body },
      },
    );
  });

  it('Square: square WebhooksHelper.verifySignature agrees for the registered notification URL only', async () => {
    const key = 'sq0wbs-signature-key-0123';
    const notificationUrl = ingestUrlOf(t, 'square');
    await createSource(t, { slug: 'square', provider: 'square', secret: key, options: { notificationUrl } });
    const body =
      '{"merchant_id":"M1","type":"payment.updated","event_id":"5f9c2a0d-event","data":{"id":"KkAk"}}';
    const signature = hmac('sha256', key, notificationUrl + body, 'base64');
    expect(
      await WebhooksHelper.verifySignature({
        requestBody: body,
        signatureHeader: signature,
        signatureKey: key,
        notificationUrl,
      }),
    ).toBe(true);
    const otherUrl = hmac('sha256', key, `${notificationUrl}x${body}`, 'base64');
    await acceptsAndRefuses(
      'square',
      { headers: { ...JSON_CT, 'x-square-hmacsha256-signature': signature }, body },
      { type: 'payment.updated', subject: 'KkAk', key: '5f9c2a0d-event' },
      {
        tampered: {
          headers: { ...JSON_CT, 'x-square-hmacsha256-signature': signature },
          body: tampered(body),
        },
        'signed for another URL': {
          headers: { ...JSON_CT, 'x-square-hmacsha256-signature': otherUrl },
          body,
        },
      },
    );
  });

  it('Discord: discord-interactions verifyKey agrees; Ed25519 over timestamp + body with the public key as secret', async () => {
    const keys = ed25519Keys();
    await createSource(t, { slug: 'discord', provider: 'discord', secret: keys.publicHex });
    const body =
      '{"id":"1234567890123456789","type":2,"guild_id":"1200000000000000000","data":{"name":"hello"}}';
    const signed = (b: string, ts = String(nowSeconds())) => ({
      ...JSON_CT,
      'x-signature-timestamp': ts,
      'x-signature-ed25519': sign(null, Buffer.from(ts + b), keys.privatePem).toString('hex'),
    });
    const headers = signed(body);
    expect(
      await verifyKey(body, headers['x-signature-ed25519'], headers['x-signature-timestamp'], keys.publicHex),
    ).toBe(true);
    // Discord probes endpoints with deliberately bad signatures; verifyKey refuses them and so must we.
    const probe = signed('{"type":1}');
    expect(
      await verifyKey(body, probe['x-signature-ed25519'], probe['x-signature-timestamp'], keys.publicHex),
    ).toBe(false);
    // A command is acknowledged with Discord's deferred reply, not Eventhook's default answer.
    const other = body.replace('1234567890123456789', '1234567890123456780');
    expect((await deliver(t, 'discord', { headers: signed(other), body: other })).json).toEqual({ type: 5 });
    await acceptsAndRefuses(
      'discord',
      { headers, body },
      { type: 'application_command', subject: '1200000000000000000', key: '1234567890123456789' },
      {
        tampered: { headers, body: tampered(body) },
        'Discord’s bad-signature probe': { headers: probe, body },
        // No toleranceSeconds on the source: the default window of 300 s applies.
        stale: { headers: signed(body, String(nowSeconds() - 301)), body },
      },
    );
  });

  it('SendGrid: @sendgrid/eventwebhook verifySignature agrees; ECDSA P-256 with the verification key as secret', async () => {
    const keys = p256Keys();
    await createSource(t, {
      slug: 'sendgrid',
      provider: 'sendgrid',
      secret: keys.publicBase64Der,
    });
    const body =
      '[{"email":"a@example.com","event":"delivered","sg_event_id":"e1"},{"email":"b@example.com","event":"delivered","sg_event_id":"e2"}]\r\n';
    const signed = (ts: string) => ({
      ...JSON_CT,
      'x-twilio-email-event-webhook-timestamp': ts,
      'x-twilio-email-event-webhook-signature': sign(
        'sha256',
        Buffer.from(ts + body),
        keys.privatePem,
      ).toString('base64'),
    });
    const headers = signed(String(nowSeconds()));
    const ew = new EventWebhook();
    expect(
      ew.verifySignature(
        ew.convertPublicKeyToECDSA(keys.publicBase64Der),
        body,
        headers['x-twilio-email-event-webhook-signature'],
        headers['x-twilio-email-event-webhook-timestamp'],
      ),
    ).toBe(true);
    await acceptsAndRefuses(
      'sendgrid',
      { headers, body },
      { type: 'delivered', subject: null, key: bodyDigest(body) },
      {
        tampered: { headers, body: tampered(body) },
        // The default window: 300 s.
        stale: { headers: signed(String(nowSeconds() - 301)), body },
      },
    );
  });

  describe('Google Pub/Sub push', () => {
    const rsa = rsaKeys();
    let jwks: Server;
    let jwksUrl = '';
    let keySetRequests = 0;
    beforeAll(async () => {
      const jwk = {
        ...createPublicKey(rsa.publicPem).export({ format: 'jwk' }),
        kid: 'google-1',
        alg: 'RS256',
        use: 'sig',
      };
      jwks = createServer((_req, res) => {
        keySetRequests++;
        res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] }));
      });
      await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
      jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/oauth2/v3/certs`;
    });
    afterAll(() => new Promise<void>((resolve) => jwks.close(() => resolve())));

    it('a key-set URL on a forbidden address is never fetched without the outbound allow-list (SSRF)', async () => {
      const guarded = await startTestApp('sqlite');
      try {
        // An IP literal is refused at save (outbound-ssrf.test.ts); a host name resolving there, when fetched.
        await createSource(guarded, {
          slug: 'pubsub-local',
          provider: 'google-pubsub',
          options: {
            audience: 'https://example.com/',
            serviceAccountEmail: 'a@b.iam.gserviceaccount.com',
            jwksUrl: jwksUrl.replace('127.0.0.1', 'localhost'),
          },
        });
        const before = keySetRequests;
        const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
        const head = `${enc({ alg: 'RS256', kid: 'google-1', typ: 'JWT' })}.${enc({ exp: nowSeconds() + 60 })}`;
        const jwt = `${head}.${sign('sha256', Buffer.from(head), rsa.privatePem).toString('base64url')}`;
        const res = await deliver(guarded, 'pubsub-local', {
          headers: { ...JSON_CT, authorization: `Bearer ${jwt}` },
          body: '{"message":{"data":"e30="}}',
        });
        expect(res.status).toBe(401);
        expect(keySetRequests).toBe(before);
      } finally {
        await guarded.close();
      }
    });

    it('google-auth-library verifySignedJwtWithCertsAsync agrees; the token is checked against the JWKS', async () => {
      const email = 'pusher@project.iam.gserviceaccount.com';
      const audience = ingestUrlOf(t, 'pubsub');
      await createSource(t, {
        slug: 'pubsub',
        provider: 'google-pubsub',
        options: { audience, serviceAccountEmail: email, jwksUrl },
      });
      const token = (claims: Record<string, unknown> = {}) => {
        const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
        const head = `${enc({ alg: 'RS256', kid: 'google-1', typ: 'JWT' })}.${enc({
          iss: 'https://accounts.google.com',
          aud: audience,
          email,
          email_verified: true,
          sub: '1234',
          iat: nowSeconds(),
          exp: nowSeconds() + 3600,
          ...claims,
        })}`;
        return `${head}.${sign('sha256', Buffer.from(head), rsa.privatePem).toString('base64url')}`;
      };
      const good = token();
      const ticket = await new OAuth2Client().verifySignedJwtWithCertsAsync(
        good,
        { 'google-1': rsa.publicPem },
        audience,
        ['https://accounts.google.com', 'accounts.google.com'],
      );
      expect(ticket.getPayload()?.email).toBe(email);
      const body =
        '{"message":{"attributes":{"eventType":"OBJECT_FINALIZE"},"data":"e30=","messageId":"136969346945"},"subscription":"projects/p/subscriptions/s"}';
      const auth = (jwt: string) => ({ ...JSON_CT, authorization: `Bearer ${jwt}` });
      await acceptsAndRefuses(
        'pubsub',
        { headers: auth(good), body },
        { type: 'OBJECT_FINALIZE', subject: 'projects/p/subscriptions/s', key: '136969346945' },
        {
          expired: { headers: auth(token({ iat: nowSeconds() - 7200, exp: nowSeconds() - 3600 })), body },
          'another audience': { headers: auth(token({ aud: 'https://elsewhere.example.com/' })), body },
          'another service account': {
            headers: auth(token({ email: 'evil@project.iam.gserviceaccount.com' })),
            body,
          },
          'unsigned token': { headers: auth(`${good.split('.').slice(0, 2).join('.')}.`), body },
        },
      );
    });

    it('a key set larger than 1 MiB is not read (a source admin’s server cannot fill the memory)', async () => {
      // The same key, valid, padded with whitespace to 2 MiB: nothing but its size is wrong.
      const jwk = {
        ...createPublicKey(rsa.publicPem).export({ format: 'jwk' }),
        kid: 'huge-1',
        alg: 'RS256',
      };
      const text = `${JSON.stringify({ keys: [jwk] })}${' '.repeat(2 * 1024 * 1024)}`;
      // With its length declared, and streamed without one (chunked): neither is read to its end.
      const huge = createServer((req, res) => {
        res.setHeader('content-type', 'application/json');
        if (req.url === '/declared') res.end(text);
        else for (let at = 0; at < text.length; at += 64 * 1024) res.write(text.slice(at, at + 64 * 1024));
        res.end();
      });
      await new Promise<void>((resolve) => huge.listen(0, '127.0.0.1', resolve));
      try {
        const port = (huge.address() as AddressInfo).port;
        const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
        const head = `${enc({ alg: 'RS256', kid: 'huge-1', typ: 'JWT' })}.${enc({ exp: nowSeconds() + 60 })}`;
        const jwt = `${head}.${sign('sha256', Buffer.from(head), rsa.privatePem).toString('base64url')}`;
        for (const path of ['declared', 'chunked']) {
          await createSource(t, {
            slug: `jwt-huge-${path}`,
            verifier: { type: 'jwt', algorithms: ['RS256'], jwksUrl: `http://127.0.0.1:${port}/${path}` },
          });
          const res = await t.api.post(`/api/orgs/default/eventhook/sources/jwt-huge-${path}/test`, {
            headers: { ...JSON_CT, authorization: `Bearer ${jwt}` },
            body: '{}',
          });
          expect(res.body, path).toMatchObject({ verified: false, reason: 'misconfigured' });
          // jose reads a stream that broke off as JSON that does not parse, and says so instead.
          expect(res.body.detail, path).toMatch(
            path === 'declared'
              ? /JWKS could not be loaded.*larger than 1048576 bytes/
              : /JWKS could not be loaded/,
          );
        }
      } finally {
        await new Promise<void>((resolve) => huge.close(() => resolve()));
      }
    });
  });
});
