// Issue 3, end to end: the Standard Webhooks family. Standard Webhooks and Svix requests signed by their own
// libraries, Clerk and Resend requests signed by svix and checked by Clerk's verifyWebhook and Resend's
// webhooks.verify, all accepted by sources created with {provider, secret}; tampered and stale ones refused. The
// spec's fixed vector reproduces exactly and is accepted by a server whose clock stands at its timestamp.
import { randomUUID } from 'node:crypto';
import { verifyWebhook } from '@clerk/backend/webhooks';
import { Resend } from 'resend';
import { Webhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import {
  createSource,
  deliver,
  expectAcceptedThenRefused,
  storedEvent,
  tampered,
  type AcceptArgs,
} from '../helpers/ingest.js';

const JSON_CT = { 'content-type': 'application/json' };
const nowSeconds = () => Math.floor(Date.now() / 1000);
const publicUrl = (slug: string) => `https://hooks.example.com/api/orgs/default/eventhook/in/${slug}`;

describe('the Standard Webhooks family, end to end (SQLite)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('sqlite');
  });
  afterAll(async () => t?.close());

  const acceptsAndRefuses = (...args: AcceptArgs) => expectAcceptedThenRefused(t, ...args);

  it('Standard Webhooks: standardwebhooks Webhook.sign; ±5 min tolerance both ways', async () => {
    const secret = `whsec_${Buffer.from('standard-webhooks-secret-0123456').toString('base64')}`;
    await createSource(t, { slug: 'std', provider: 'standard-webhooks', secret });
    const body = '{"type":"invoice.paid","timestamp":"2026-01-01T00:00:00Z","data":{"id":"inv_1"}}';
    const id = `msg_${randomUUID()}`;
    const signed = (at: Date, payload = body) => ({
      ...JSON_CT,
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(id, at, payload),
    });
    await acceptsAndRefuses(
      'std',
      { headers: signed(new Date()), body },
      { type: 'invoice.paid', subject: null, key: id },
      {
        tampered: { headers: signed(new Date()), body: tampered(body) },
        // A few seconds past the tolerance: the timestamp is whole seconds and the server checks a moment later.
        'too old': { headers: signed(new Date(Date.now() - 305_000)), body },
        'too new': { headers: signed(new Date(Date.now() + 305_000)), body },
      },
    );
  });

  it('Svix: svix Webhook.sign with svix-* headers', async () => {
    const secret = `whsec_${Buffer.from('svix-secret-0123456789abcdef0123').toString('base64')}`;
    await createSource(t, { slug: 'svix', provider: 'svix', secret });
    const body = '{"type":"user.created","data":{"id":"usr_9"}}';
    const id = `msg_${randomUUID()}`;
    const signed = (at: Date) => ({
      ...JSON_CT,
      'svix-id': id,
      'svix-timestamp': String(Math.floor(at.getTime() / 1000)),
      'svix-signature': new SvixWebhook(secret).sign(id, at, body),
    });
    await acceptsAndRefuses(
      'svix',
      { headers: signed(new Date()), body },
      { type: 'user.created', subject: null, key: id },
      {
        tampered: { headers: signed(new Date()), body: tampered(body) },
        stale: { headers: signed(new Date(Date.now() - 600_000)), body },
      },
    );
  });

  it('Clerk and Resend: signed by svix, checked by @clerk/backend verifyWebhook and resend.webhooks.verify', async () => {
    const secret = `whsec_${Buffer.from('clerk-and-resend-secret-01234567').toString('base64')}`;
    await createSource(t, { slug: 'clerk', provider: 'clerk', secret });
    await createSource(t, { slug: 'resend', provider: 'resend', secret });

    const clerkBody = '{"type":"user.created","object":"event","data":{"id":"user_29w83","object":"user"}}';
    const clerkId = `msg_${randomUUID()}`;
    const clerkHeaders = {
      ...JSON_CT,
      'svix-id': clerkId,
      'svix-timestamp': String(nowSeconds()),
      'svix-signature': new SvixWebhook(secret).sign(clerkId, new Date(nowSeconds() * 1000), clerkBody),
    };
    const clerkEvent = await verifyWebhook(
      new Request(publicUrl('clerk'), { method: 'POST', headers: clerkHeaders, body: clerkBody }),
      { signingSecret: secret },
    );
    expect(clerkEvent.type).toBe('user.created');
    await acceptsAndRefuses(
      'clerk',
      { headers: clerkHeaders, body: clerkBody },
      { type: 'user.created', subject: 'user_29w83', key: clerkId },
      { tampered: { headers: clerkHeaders, body: tampered(clerkBody) } },
    );

    const resendBody =
      '{"type":"email.delivered","data":{"email_id":"56761188-7520-42d8-8898-ff6fc54ce618"}}';
    const resendId = `msg_${randomUUID()}`;
    const resendHeaders = {
      ...JSON_CT,
      'svix-id': resendId,
      'svix-timestamp': String(nowSeconds()),
      'svix-signature': new SvixWebhook(secret).sign(resendId, new Date(nowSeconds() * 1000), resendBody),
    };
    const verified = new Resend('re_test_key').webhooks.verify({
      payload: resendBody,
      headers: {
        id: resendHeaders['svix-id'],
        timestamp: resendHeaders['svix-timestamp'],
        signature: resendHeaders['svix-signature'],
      },
      webhookSecret: secret,
    });
    expect(verified).toMatchObject({ type: 'email.delivered' });
    await acceptsAndRefuses(
      'resend',
      { headers: resendHeaders, body: resendBody },
      { type: 'email.delivered', subject: '56761188-7520-42d8-8898-ff6fc54ce618', key: resendId },
      { tampered: { headers: resendHeaders, body: tampered(resendBody) } },
    );
  });
});

describe('the Standard Webhooks fixed vector, end to end', () => {
  // From the Standard Webhooks libraries' own tests (reference/providers.md): the server's clock is set to the
  // vector's timestamp so the signature is fresh.
  const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
  const TS = 1614265330;
  const BODY = '{"test": 2432232314}';
  const SIGNATURE = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('sqlite', { clock: new ManualClock(TS * 1000 + 2_000) });
  });
  afterAll(async () => t?.close());

  it('reproduces exactly with the library, and the server accepts it', async () => {
    expect(new Webhook(SECRET).sign(ID, new Date(TS * 1000), BODY)).toBe(SIGNATURE);
    await createSource(t, { slug: 'vector', provider: 'standard-webhooks', secret: SECRET });
    const headers = {
      ...JSON_CT,
      'webhook-id': ID,
      'webhook-timestamp': String(TS),
      'webhook-signature': SIGNATURE,
    };
    const res = await deliver(t, 'vector', { headers, body: BODY });
    expect(res.status, res.text).toBe(200);
    const event = await storedEvent(t, res.json.eventId);
    expect(event).toMatchObject({ idempotencyKey: ID, data: { test: 2432232314 } });
    // Several signatures in one header (rotation on the sender's side): any match verifies.
    const rotated = await deliver(t, 'vector', {
      headers: { ...headers, 'webhook-id': 'msg_other', 'webhook-signature': `v1,AAAA ${SIGNATURE}` },
      body: BODY,
    });
    // The signature covers the id, so another id with the same signature must fail.
    expect(rotated.status).toBe(401);
    const both = await deliver(t, 'vector', {
      headers: { ...headers, 'webhook-signature': `v1,bm90IGl0 ${SIGNATURE}` },
      body: BODY,
    });
    expect(both.json).toEqual({ eventId: res.json.eventId, duplicate: true });
  });
});
