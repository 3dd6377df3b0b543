// Stripe (stripe's own signer and verifier), Paddle (Paddle SDK verifier), Square (WebhooksHelper), Shopify and
// WooCommerce (Shopify's getHmac, the same format).
import { createHmac } from 'node:crypto';
import { Paddle } from '@paddle/paddle-node-sdk';
import { getHmac } from '@shopify/shopify-api/test-helpers';
import { WebhooksHelper } from 'square';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { wooCommercePing } from '../../../src/ingest/handshakes.js';
import { inbound, tamper, URL_BASE } from '../fixtures.js';
import { extracted, provider, verifyAs } from './provider-harness.js';

const JSON_CT = { 'content-type': 'application/json' };

describe('stripe', () => {
  const SECRET = 'whsec_test_secret_abcdef0123456789';
  const BODY = JSON.stringify({
    id: 'evt_1NG8',
    object: 'event',
    type: 'invoice.paid',
    data: { object: { id: 'in_123' } },
  });
  const now = Date.now();
  const t = Math.floor(now / 1000);
  const req = (header: string, body = BODY) =>
    inbound({ headers: { ...JSON_CT, 'stripe-signature': header }, body });
  const header = (timestamp = t, secret = SECRET) =>
    Stripe.webhooks.generateTestHeaderString({ payload: BODY, secret, timestamp });

  it('accepts a header made by stripe.webhooks.generateTestHeaderString', async () => {
    expect(await verifyAs('stripe', req(header()), [SECRET], { now })).toEqual({ ok: true });
  });

  it('rejects a tampered body, a stale timestamp and a foreign secret', async () => {
    expect(await verifyAs('stripe', tamper(req(header())), [SECRET], { now })).toMatchObject({
      reason: 'no_matching_signature',
    });
    expect(await verifyAs('stripe', req(header(t - 301)), [SECRET], { now })).toMatchObject({
      reason: 'stale_timestamp',
    });
    expect((await verifyAs('stripe', req(header(t, 'whsec_other')), [SECRET], { now })).ok).toBe(false);
  });

  it('accepts during a secret roll, when the header carries one v1 per secret', async () => {
    const v1 = (secret: string) => createHmac('sha256', secret).update(`${t}.${BODY}`).digest('hex');
    const rolled = `t=${t},v1=${v1('whsec_new')},v1=${v1(SECRET)},v0=${'0'.repeat(64)}`;
    expect(await verifyAs('stripe', req(rolled), [SECRET], { now })).toEqual({ ok: true });
    expect(await verifyAs('stripe', req(rolled), ['whsec_new', SECRET], { now })).toEqual({ ok: true });
  });

  it('its sample passes stripe.webhooks.constructEvent, and extraction follows Stripe', async () => {
    const s = provider('stripe').sample({ secret: SECRET, url: URL_BASE, now: Date.now() });
    const event = Stripe.webhooks.constructEvent(s.body, s.headers['stripe-signature'] ?? '', SECRET);
    expect(event.type).toBe('payment_intent.succeeded');
    expect(extracted('stripe', req(header()))).toMatchObject({
      type: 'invoice.paid',
      subject: 'in_123',
      key: 'evt_1NG8',
    });
  });
});

describe('paddle', () => {
  const SECRET = 'pdl_ntfset_01j0000000000000000000000_abcdefghijklmnopqrstuv';
  const BODY = JSON.stringify({
    event_id: 'evt_01',
    notification_id: 'ntf_01',
    event_type: 'subscription.created',
    data: { id: 'sub_01' },
  });
  const sig = (ts: number, body = BODY) =>
    `ts=${ts};h1=${createHmac('sha256', SECRET).update(`${ts}:${body}`).digest('hex')}`;
  const req = (header: string, body = BODY) =>
    inbound({ headers: { ...JSON_CT, 'paddle-signature': header }, body });

  it('accepts what the Paddle SDK accepts, rejects tampering and age beyond 5 s', async () => {
    const now = Date.now();
    const ts = Math.floor(now / 1000);
    const paddle = new Paddle('pdl_sdbx_apikey_01gtgztp8fake0000000000000_00000000000000000000');
    expect(await paddle.webhooks.isSignatureValid(BODY, SECRET, sig(ts))).toBe(true);
    expect(await verifyAs('paddle', req(sig(ts)), [SECRET], { now })).toEqual({ ok: true });
    expect((await verifyAs('paddle', tamper(req(sig(ts))), [SECRET], { now })).ok).toBe(false);
    expect(await verifyAs('paddle', req(sig(ts - 6)), [SECRET], { now })).toMatchObject({
      reason: 'stale_timestamp',
    });
    expect(
      await verifyAs('paddle', req(sig(ts - 6)), [SECRET], { now, options: { toleranceSeconds: 60 } }),
    ).toEqual({ ok: true });
  });

  it('its sample passes the Paddle SDK; dedup on event_id', async () => {
    const s = provider('paddle').sample({ secret: SECRET, url: URL_BASE, now: Date.now() });
    const paddle = new Paddle('pdl_sdbx_apikey_01gtgztp8fake0000000000000_00000000000000000000');
    expect(await paddle.webhooks.isSignatureValid(s.body, SECRET, s.headers['paddle-signature'] ?? '')).toBe(
      true,
    );
    expect(extracted('paddle', req(sig(1)))).toMatchObject({
      type: 'subscription.created',
      subject: 'sub_01',
      key: 'evt_01',
    });
  });
});

describe('square', () => {
  const KEY = 'sq0wbs-signature-key';
  const URL = 'https://hooks.example.com/in/square?x=1';
  const BODY = JSON.stringify({
    merchant_id: 'M1',
    type: 'payment.created',
    event_id: 'e-1',
    data: { id: 'p-1' },
  });
  const sig = (url = URL, body = BODY) =>
    createHmac('sha256', KEY)
      .update(url + body)
      .digest('base64');
  const req = (s: string, body = BODY) =>
    inbound({ headers: { ...JSON_CT, 'x-square-hmacsha256-signature': s }, body });
  const options = { notificationUrl: URL };

  it('accepts what Square’s WebhooksHelper accepts, for the registered URL only', async () => {
    expect(
      await WebhooksHelper.verifySignature({
        requestBody: BODY,
        signatureHeader: sig(),
        signatureKey: KEY,
        notificationUrl: URL,
      }),
    ).toBe(true);
    expect(await verifyAs('square', req(sig()), [KEY], { options })).toEqual({ ok: true });
    expect(
      (await verifyAs('square', req(sig('https://hooks.example.com/in/square')), [KEY], { options })).ok,
    ).toBe(false);
    expect((await verifyAs('square', tamper(req(sig())), [KEY], { options })).ok).toBe(false);
  });

  it('needs notificationUrl; its sample passes WebhooksHelper', async () => {
    expect(() => provider('square').verifier({})).toThrow(/notificationUrl/);
    const s = provider('square').sample({ secret: KEY, url: URL, now: Date.now(), options });
    const signatureHeader = s.headers['x-square-hmacsha256-signature'] ?? '';
    expect(
      await WebhooksHelper.verifySignature({
        requestBody: s.body,
        signatureHeader,
        signatureKey: KEY,
        notificationUrl: URL,
      }),
    ).toBe(true);
    expect(extracted('square', req(sig()))).toMatchObject({
      type: 'payment.created',
      subject: 'p-1',
      key: 'e-1',
    });
  });
});

describe('shopify', () => {
  const SECRET = 'shpss_client_secret';
  const BODY = '{"id":820982911946154508,"email":"jon@doe.ca"}';
  const req = (hmac: string) =>
    inbound({
      headers: {
        ...JSON_CT,
        'x-shopify-hmac-sha256': hmac,
        'x-shopify-topic': 'orders/create',
        'x-shopify-shop-domain': 'a.myshopify.com',
        'x-shopify-event-id': 'ev-1',
        'x-shopify-webhook-id': 'wh-1',
      },
      body: BODY,
    });

  it('accepts a request signed with @shopify/shopify-api getHmac, rejects tampering', async () => {
    expect(await verifyAs('shopify', req(getHmac(BODY, SECRET)), [SECRET])).toEqual({ ok: true });
    expect((await verifyAs('shopify', tamper(req(getHmac(BODY, SECRET))), [SECRET])).ok).toBe(false);
    expect((await verifyAs('shopify', req(getHmac(BODY, 'other')), [SECRET])).ok).toBe(false);
  });

  it('types by X-Shopify-Topic, subject the shop, dedup on X-Shopify-Event-Id', () => {
    expect(extracted('shopify', req('x'))).toMatchObject({
      type: 'orders/create',
      subject: 'a.myshopify.com',
      key: 'ev-1',
    });
  });
});

describe('woocommerce', () => {
  const SECRET = 'wc-secret';
  const BODY = '{"id":727,"status":"processing"}';
  const req = (sig: string) =>
    inbound({
      headers: {
        ...JSON_CT,
        'x-wc-webhook-signature': sig,
        'x-wc-webhook-topic': 'order.created',
        'x-wc-webhook-delivery-id': 'd-9',
      },
      body: BODY,
    });

  it('accepts the Shopify-format (getHmac) signature, rejects tampering', async () => {
    expect(await verifyAs('woocommerce', req(getHmac(BODY, SECRET)), [SECRET])).toEqual({ ok: true });
    expect((await verifyAs('woocommerce', tamper(req(getHmac(BODY, SECRET))), [SECRET])).ok).toBe(false);
    expect(extracted('woocommerce', req('x'))).toMatchObject({ type: 'order.created', key: 'd-9' });
  });

  it('answers the unsigned save-time ping with 200 and nothing else', () => {
    const ping = inbound({
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'webhook_id=12',
    });
    const ctx = { now: 0, secrets: [SECRET], options: {} };
    expect(provider('woocommerce').handshake).toBe(wooCommercePing);
    expect(wooCommercePing.respond(ping, undefined, ctx)).toMatchObject({ status: 200, body: '' });
    expect(wooCommercePing.respond(inbound({ body: 'webhook_id=12&x=1' }), undefined, ctx)).toBeUndefined();
    expect(wooCommercePing.phase).toBe('before');
  });
});
