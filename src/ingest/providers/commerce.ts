// Provider templates for payments and shops: Stripe, Paddle Billing, Square, Shopify and WooCommerce.
import { randomUUID } from 'node:crypto';
import { wooCommercePing } from '../handshakes.js';
import { headerOf } from '../inbound-request.js';
import {
  defineProvider,
  hmacOf,
  optionalNumber,
  optionalString,
  requiredString,
  seconds,
  str,
} from './helpers.js';

const JSON_CT = 'application/json';

export const stripe = defineProvider({
  id: 'stripe',
  name: 'Stripe',
  description: 'Stripe events, signed with HMAC-SHA256 over "t.body" in Stripe-Signature (t=…,v1=…).',
  docsUrl: 'https://docs.stripe.com/webhooks#verify-events',
  requiredFields: ['secret'],
  optionalFields: ['toleranceSeconds'],
  secretChosenBy: 'provider',
  setupHints: [
    'Dashboard → Developers → Webhooks → Add endpoint; Endpoint URL: this source’s ingest URL.',
    'Copy the endpoint’s Signing secret (whsec_…) into this source’s secret, whole, prefix included.',
    'During a secret roll Stripe sends several v1= signatures; add the new secret with rotation so both verify.',
  ],
  verifier: (options) => ({
    type: 'hmac',
    algorithm: 'sha256',
    encoding: 'hex',
    header: 'stripe-signature',
    signatureKey: 'v1',
    signedContent: '{timestamp}.{body}',
    timestamp: {
      from: 'signature',
      name: 't',
      format: 'unix_seconds',
      toleranceSeconds: optionalNumber(options, 'toleranceSeconds', 1, 86_400) ?? 300,
      // Stripe's libraries check only the age: a sender's clock ahead of ours is not a replay.
      pastOnly: true,
    },
  }),
  eventType: (_req, body) => str(body, 'type'),
  subject: (_req, body) => str(body, 'data.object.id'),
  idempotencyKeys: ['body.id'],
  sample: ({ secret, now }) => {
    const body = JSON.stringify({
      id: `evt_${randomUUID().replace(/-/g, '').slice(0, 24)}`,
      object: 'event',
      type: 'payment_intent.succeeded',
      created: seconds(now),
      livemode: false,
      data: {
        object: { id: 'pi_3Sample000000000', object: 'payment_intent', amount: 2000, currency: 'usd' },
      },
    });
    const t = seconds(now);
    const header = `t=${t},v1=${hmacOf('sha256', secret, `${t}.${body}`, 'hex')}`;
    return {
      method: 'POST',
      contentType: JSON_CT,
      body,
      headers: { 'content-type': JSON_CT, 'stripe-signature': header },
    };
  },
});

export const paddle = defineProvider({
  id: 'paddle',
  name: 'Paddle Billing',
  description: 'Paddle Billing notifications, HMAC-SHA256 over "ts:body" in Paddle-Signature (ts=…;h1=…).',
  docsUrl: 'https://developer.paddle.com/webhooks/signature-verification',
  requiredFields: ['secret'],
  optionalFields: ['toleranceSeconds'],
  secretChosenBy: 'provider',
  setupHints: [
    'Paddle → Developer tools → Notifications → New destination; URL: this source’s ingest URL.',
    'Copy the destination’s secret key (pdl_ntfset_…) into this source’s secret.',
    'Paddle’s SDK accepts signatures up to 5 s old, and so does this template; raise toleranceSeconds if clocks drift.',
  ],
  verifier: (options) => ({
    type: 'hmac',
    algorithm: 'sha256',
    encoding: 'hex',
    header: 'paddle-signature',
    separator: ';',
    signatureKey: 'h1',
    signedContent: '{timestamp}:{body}',
    timestamp: {
      from: 'signature',
      name: 'ts',
      format: 'unix_seconds',
      toleranceSeconds: optionalNumber(options, 'toleranceSeconds', 1, 86_400) ?? 5,
    },
  }),
  eventType: (_req, body) => str(body, 'event_type'),
  subject: (_req, body) => str(body, 'data.id'),
  idempotencyKeys: ['body.event_id', 'body.notification_id'],
  sample: ({ secret, now }) => {
    const body = JSON.stringify({
      event_id: `evt_${randomUUID().replace(/-/g, '').slice(0, 26)}`,
      event_type: 'transaction.completed',
      occurred_at: new Date(now).toISOString(),
      notification_id: `ntf_${randomUUID().replace(/-/g, '').slice(0, 26)}`,
      data: { id: 'txn_01sample0000000000000000', status: 'completed' },
    });
    const ts = seconds(now);
    const header = `ts=${ts};h1=${hmacOf('sha256', secret, `${ts}:${body}`, 'hex')}`;
    return {
      method: 'POST',
      contentType: JSON_CT,
      body,
      headers: { 'content-type': JSON_CT, 'paddle-signature': header },
    };
  },
});

export const square = defineProvider({
  id: 'square',
  name: 'Square',
  description: 'Square webhooks, HMAC-SHA256 (base64) over the notification URL followed by the body.',
  docsUrl: 'https://developer.squareup.com/docs/webhooks/step3validate',
  requiredFields: ['secret', 'notificationUrl'],
  optionalFields: [],
  secretChosenBy: 'provider',
  setupHints: [
    'Developer Console → your application → Webhooks → Subscriptions → Add subscription.',
    'Notification URL: this source’s ingest URL; give exactly the same string, byte for byte, as notificationUrl.',
    'Copy the subscription’s Signature key into this source’s secret.',
  ],
  verifier: (options) => ({
    type: 'hmac',
    algorithm: 'sha256',
    encoding: 'base64',
    header: 'x-square-hmacsha256-signature',
    signedContent: '{url}{body}',
    url: requiredString(options, 'notificationUrl'),
  }),
  eventType: (_req, body) => str(body, 'type'),
  subject: (_req, body) => str(body, 'data.id'),
  idempotencyKeys: ['body.event_id'],
  sample: ({ secret, url, now, options }) => {
    const body = JSON.stringify({
      merchant_id: 'MLSAMPLE000000',
      type: 'payment.updated',
      event_id: randomUUID(),
      created_at: new Date(now).toISOString(),
      data: {
        type: 'payment',
        id: 'KkAkhdMsgzn59SM8A89WgKwekxLZY',
        object: { payment: { status: 'COMPLETED' } },
      },
    });
    const notificationUrl = (options && optionalString(options, 'notificationUrl')) ?? url;
    const signature = hmacOf('sha256', secret, notificationUrl + body, 'base64');
    return {
      method: 'POST',
      contentType: JSON_CT,
      body,
      headers: { 'content-type': JSON_CT, 'x-square-hmacsha256-signature': signature },
    };
  },
});

export const shopify = defineProvider({
  id: 'shopify',
  name: 'Shopify',
  description: 'Shopify app and shop webhooks, HMAC-SHA256 (base64) of the body in X-Shopify-Hmac-Sha256.',
  docsUrl:
    'https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-2-validate-the-origin-of-your-webhook',
  requiredFields: ['secret'],
  optionalFields: [],
  secretChosenBy: 'provider',
  setupHints: [
    'App webhooks: subscribe in shopify.app.toml or the Admin API with this source’s ingest URL; the secret is the app’s client secret.',
    'Shop admin webhooks (Settings → Notifications → Webhooks): the secret is the signing key shown under the list.',
  ],
  verifier: () => ({
    type: 'hmac',
    algorithm: 'sha256',
    encoding: 'base64',
    header: 'x-shopify-hmac-sha256',
  }),
  eventType: (req) => headerOf(req, 'x-shopify-topic'),
  subject: (req) => headerOf(req, 'x-shopify-shop-domain'),
  idempotencyKeys: ['header.x-shopify-event-id', 'header.x-shopify-webhook-id'],
  sample: ({ secret, now }) => {
    const body = JSON.stringify({
      id: 820982911946154500,
      email: 'jon@example.com',
      total_price: '199.00',
      currency: 'USD',
    });
    return {
      method: 'POST',
      contentType: JSON_CT,
      body,
      headers: {
        'content-type': JSON_CT,
        'x-shopify-topic': 'orders/create',
        'x-shopify-shop-domain': 'sample-shop.myshopify.com',
        'x-shopify-event-id': randomUUID(),
        'x-shopify-webhook-id': randomUUID(),
        'x-shopify-triggered-at': new Date(now).toISOString(),
        'x-shopify-hmac-sha256': hmacOf('sha256', secret, body, 'base64'),
      },
    };
  },
});

export const woocommerce = defineProvider({
  id: 'woocommerce',
  name: 'WooCommerce',
  description: 'WooCommerce store webhooks, HMAC-SHA256 (base64) of the body in X-WC-Webhook-Signature.',
  docsUrl: 'https://woocommerce.com/document/webhooks/',
  requiredFields: ['secret'],
  optionalFields: [],
  secretChosenBy: 'user',
  setupHints: [
    'WooCommerce → Settings → Advanced → Webhooks → Add webhook; Delivery URL: this source’s ingest URL.',
    'Secret: a long random string; give the same string as this source’s secret.',
    'The unsigned ping WooCommerce sends on save (webhook_id=…) is answered 200 and not stored.',
  ],
  verifier: () => ({
    type: 'hmac',
    algorithm: 'sha256',
    encoding: 'base64',
    header: 'x-wc-webhook-signature',
  }),
  eventType: (req) => headerOf(req, 'x-wc-webhook-topic'),
  subject: (req) => headerOf(req, 'x-wc-webhook-source'),
  idempotencyKeys: ['header.x-wc-webhook-delivery-id'],
  handshake: wooCommercePing,
  sample: ({ secret }) => {
    const body = JSON.stringify({ id: 727, status: 'processing', currency: 'USD', total: '29.35' });
    return {
      method: 'POST',
      contentType: JSON_CT,
      body,
      headers: {
        'content-type': JSON_CT,
        'x-wc-webhook-topic': 'order.created',
        'x-wc-webhook-resource': 'order',
        'x-wc-webhook-event': 'created',
        'x-wc-webhook-source': 'https://shop.example.com/',
        'x-wc-webhook-delivery-id': randomUUID(),
        'x-wc-webhook-signature': hmacOf('sha256', secret, body, 'base64'),
      },
    };
  },
});
