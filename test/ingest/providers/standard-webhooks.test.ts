// Standard Webhooks, Svix, Clerk and Resend templates: signed by standardwebhooks/svix, and their samples checked
// by Clerk's verifyWebhook and Resend's webhooks.verify.
import { verifyWebhook } from '@clerk/backend/webhooks';
import { Resend } from 'resend';
import { Webhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { describe, expect, it } from 'vitest';
import { inbound, tamper, URL_BASE } from '../fixtures.js';
import { extracted, provider, verifyAs } from './provider-harness.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const BODY = '{"type":"user.created","data":{"id":"user_29w83"}}';
const JSON_CT = { 'content-type': 'application/json' };

function signed(prefix: 'webhook' | 'svix', ts: number, signature: string, body = BODY) {
  return inbound({
    headers: {
      ...JSON_CT,
      [`${prefix}-id`]: 'msg_1',
      [`${prefix}-timestamp`]: String(ts),
      [`${prefix}-signature`]: signature,
    },
    body,
  });
}

describe('standard webhooks family', () => {
  it('standard-webhooks accepts standardwebhooks-signed requests, rejects tampering and ±5 min skew', async () => {
    const now = Date.now();
    const ts = Math.floor(now / 1000);
    const sig = (t: number) => new Webhook(SECRET).sign('msg_1', new Date(t * 1000), BODY);
    expect(await verifyAs('standard-webhooks', signed('webhook', ts, sig(ts)), [SECRET], { now })).toEqual({
      ok: true,
    });
    expect(
      (await verifyAs('standard-webhooks', tamper(signed('webhook', ts, sig(ts))), [SECRET], { now })).ok,
    ).toBe(false);
    for (const t of [ts - 301, ts + 301]) {
      expect(
        await verifyAs('standard-webhooks', signed('webhook', t, sig(t)), [SECRET], { now }),
      ).toMatchObject({
        reason: 'stale_timestamp',
      });
    }
  });

  it('svix, clerk and resend accept svix-signed requests with svix-* headers', async () => {
    const now = Date.now();
    const ts = Math.floor(now / 1000);
    const sig = new SvixWebhook(SECRET).sign('msg_1', new Date(ts * 1000), BODY);
    for (const id of ['svix', 'clerk', 'resend']) {
      expect(await verifyAs(id, signed('svix', ts, sig), [SECRET], { now }), id).toEqual({ ok: true });
      expect((await verifyAs(id, tamper(signed('svix', ts, sig)), [SECRET], { now })).ok, id).toBe(false);
    }
    expect(extracted('clerk', signed('svix', ts, sig))).toMatchObject({
      type: 'user.created',
      subject: 'user_29w83',
      key: 'msg_1',
    });
  });

  it('the clerk sample passes @clerk/backend verifyWebhook', async () => {
    const s = provider('clerk').sample({ secret: SECRET, url: URL_BASE, now: Date.now() });
    const request = new Request(URL_BASE, { method: 'POST', headers: s.headers, body: s.body });
    const event = await verifyWebhook(request, { signingSecret: SECRET });
    expect(event.type).toBe('user.created');
  });

  it('the resend sample passes resend.webhooks.verify', () => {
    const s = provider('resend').sample({ secret: SECRET, url: URL_BASE, now: Date.now() });
    const resend = new Resend('re_test_key');
    const headers = {
      id: s.headers['svix-id'] ?? '',
      timestamp: s.headers['svix-timestamp'] ?? '',
      signature: s.headers['svix-signature'] ?? '',
    };
    expect(resend.webhooks.verify({ payload: s.body, headers, webhookSecret: SECRET })).toMatchObject({
      type: 'email.delivered',
    });
  });

  it('the standard-webhooks sample passes standardwebhooks verify', () => {
    const s = provider('standard-webhooks').sample({ secret: SECRET, url: URL_BASE, now: Date.now() });
    expect(new Webhook(SECRET).verify(s.body, s.headers)).toMatchObject({ type: 'invoice.paid' });
  });
});
