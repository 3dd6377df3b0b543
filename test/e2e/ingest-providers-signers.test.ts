// Issue 3, end to end: for every provider with an official npm signer, a request signed by that library is posted
// to a source created with {provider, secret} and must be accepted and stored with the right type, subject and
// idempotency key; a tampered body and (where the scheme has one) a stale timestamp get 401 and store nothing.
// URL-signing providers (Twilio, HubSpot, Jira Connect) sign the configured public URL, not the loopback one.
import { randomUUID } from 'node:crypto';
import { Signature } from '@hubspot/api-client';
import { sign as octokitSign } from '@octokit/webhooks-methods';
import { getHmac } from '@shopify/shopify-api/test-helpers';
import { createQueryStringHash, encodeSymmetric, fromMethodAndUrl } from 'atlassian-jwt';
import Stripe from 'stripe';
import twilioSdk from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import {
  type AcceptArgs,
  BASE,
  bodyDigest,
  createSource,
  deliver,
  expectAcceptedThenRefused,
  tampered,
} from '../helpers/ingest.js';

const PUBLIC = 'https://hooks.example.com';
const publicUrl = (slug: string, query = '') => `${PUBLIC}${BASE}/in/${slug}${query}`;
const JSON_CT = { 'content-type': 'application/json' };
const FORM_CT = { 'content-type': 'application/x-www-form-urlencoded' };
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('providers signed by their official libraries, end to end (SQLite)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('sqlite', { env: { EVENTHOOK_PUBLIC_URL: PUBLIC } });
  });
  afterAll(async () => t?.close());

  const acceptsAndRefuses = (...args: AcceptArgs) => expectAcceptedThenRefused(t, ...args);

  it('GitHub: @octokit/webhooks-methods sign()', async () => {
    const secret = 'gh-secret-éü';
    const source = await createSource(t, { slug: 'github', provider: 'github', secret });
    expect(JSON.stringify(source)).not.toContain(secret);
    const body = '{"action":"opened","number":7,"repository":{"full_name":"octo/hello"}}';
    const delivery = randomUUID();
    const headers = { ...JSON_CT, 'x-github-event': 'pull_request', 'x-github-delivery': delivery };
    await acceptsAndRefuses(
      'github',
      { headers: { ...headers, 'x-hub-signature-256': await octokitSign(secret, body) }, body },
      { type: 'pull_request.opened', subject: 'octo/hello', key: delivery },
      {
        tampered: {
          headers: { ...headers, 'x-hub-signature-256': await octokitSign(secret, body) },
          body: tampered(body),
        },
        'other secret': {
          headers: { ...headers, 'x-hub-signature-256': await octokitSign('nope', body) },
          body,
        },
        unsigned: { headers, body },
      },
    );
  });

  it('Stripe: stripe.webhooks.generateTestHeaderString, stale after 300 s', async () => {
    const secret = 'whsec_stripe_test_secret';
    await createSource(t, { slug: 'stripe', provider: 'stripe', secret });
    const body = JSON.stringify({
      id: 'evt_1Stripe',
      type: 'invoice.paid',
      data: { object: { id: 'in_42' } },
    });
    const header = (timestamp: number, payload = body) =>
      Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
    await acceptsAndRefuses(
      'stripe',
      { headers: { ...JSON_CT, 'stripe-signature': header(nowSeconds()) }, body },
      { type: 'invoice.paid', subject: 'in_42', key: 'evt_1Stripe' },
      {
        tampered: { headers: { ...JSON_CT, 'stripe-signature': header(nowSeconds()) }, body: tampered(body) },
        stale: { headers: { ...JSON_CT, 'stripe-signature': header(nowSeconds() - 301) }, body },
      },
    );
    // Stripe's own verifier checks only the age: a signature from a clock ten minutes ahead verifies there, and here.
    const ahead = JSON.stringify({
      id: 'evt_2Stripe',
      type: 'invoice.paid',
      data: { object: { id: 'in_43' } },
    });
    const future = header(nowSeconds() + 600, ahead);
    expect(Stripe.webhooks.constructEvent(ahead, future, secret).id).toBe('evt_2Stripe');
    const res = await deliver(t, 'stripe', {
      headers: { ...JSON_CT, 'stripe-signature': future },
      body: ahead,
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ duplicate: false });
  });

  it('Shopify: getHmac from @shopify/shopify-api/test-helpers', async () => {
    const secret = 'shpss_app_client_secret';
    await createSource(t, { slug: 'shopify', provider: 'shopify', secret });
    const body = '{"id":820982911946154500,"email":"jon@example.com","total_price":"199.00"}';
    const eventId = randomUUID();
    const headers = {
      ...JSON_CT,
      'x-shopify-topic': 'orders/create',
      'x-shopify-shop-domain': 'shop-1.myshopify.com',
      'x-shopify-event-id': eventId,
      'x-shopify-webhook-id': randomUUID(),
    };
    await acceptsAndRefuses(
      'shopify',
      { headers: { ...headers, 'x-shopify-hmac-sha256': getHmac(body, secret) }, body },
      { type: 'orders/create', subject: 'shop-1.myshopify.com', key: eventId },
      {
        tampered: {
          headers: { ...headers, 'x-shopify-hmac-sha256': getHmac(body, secret) },
          body: tampered(body),
        },
      },
    );
  });

  it('Twilio (form): twilio.getExpectedTwilioSignature over the public URL and the form parameters', async () => {
    const token = 'twilio-auth-token-0123456789abcdef';
    await createSource(t, { slug: 'twilio', provider: 'twilio', secret: token });
    const params = { AccountSid: 'AC1', MessageSid: 'SM42', MessageStatus: 'delivered', To: '+15005550006' };
    const body = new URLSearchParams(params).toString();
    const signature = twilioSdk.getExpectedTwilioSignature(token, publicUrl('twilio'), params);
    expect(twilioSdk.validateRequest(token, signature, publicUrl('twilio'), params)).toBe(true);
    const idem = randomUUID();
    const headers = { ...FORM_CT, 'i-twilio-idempotency-token': idem, 'x-twilio-signature': signature };
    await acceptsAndRefuses(
      'twilio',
      { headers, body },
      { type: 'message.delivered', subject: 'SM42', key: idem },
      {
        'changed parameter': { headers, body: body.replace('delivered', 'failed') },
        'signed for another URL': {
          headers: {
            ...headers,
            'x-twilio-signature': twilioSdk.getExpectedTwilioSignature(token, publicUrl('other'), params),
          },
          body,
        },
      },
    );
  });

  it('Twilio (JSON): bodySHA256 in the signed URL; SharedKey HMAC-SHA256 and a url option', async () => {
    const token = 'twilio-shared-key-secret';
    // The provider calls a URL a proxy rewrites: the source names the URL as configured at Twilio.
    const configured = 'https://twilio.example.net/hooks/status';
    await createSource(t, {
      slug: 'twilio-json',
      provider: 'twilio',
      secret: token,
      options: { algorithm: 'sha256', url: configured },
    });
    const body = '{"MessageStatus":"sent","MessageSid":"SM77"}';
    const query = `?bodySHA256=${twilioSdk.getExpectedBodyHash(body)}`;
    const signature = twilioSdk.getExpectedTwilioSignature(token, configured + query, {}, 'HMAC_SHA256');
    const idem = randomUUID();
    const headers = { ...JSON_CT, 'i-twilio-idempotency-token': idem, 'x-twilio-signature': signature };
    // The configured url replaces the request URL's origin and path; the query is the one received.
    const created = await t.api.get(`${BASE}/sources/twilio-json`);
    expect(created.body.options).toEqual({ algorithm: 'sha256', url: configured });
    await acceptsAndRefuses(
      'twilio-json',
      { headers, body, suffix: query },
      { type: 'message.sent', subject: 'SM77', key: idem },
      { 'body not matching bodySHA256': { headers, body: tampered(body), suffix: query } },
    );
  });

  it('Twilio SharedKey: the algorithm named in X-Twilio-Webhooks-Signature-Settings, with no algorithm option', async () => {
    const secret = 'twilio-shared-key-secret-2';
    await createSource(t, { slug: 'twilio-shared', provider: 'twilio', secret });
    const params = { AccountSid: 'AC1', MessageSid: 'SM43', MessageStatus: 'sent' };
    const body = new URLSearchParams(params).toString();
    const settings = 'key=webhooks_sharedkey_0123,algorithm=HMAC_SHA256';
    const algorithm = twilioSdk.getSignatureAlgorithm(settings);
    expect(algorithm).toBe('HMAC_SHA256');
    const url = publicUrl('twilio-shared');
    const signature = twilioSdk.getExpectedTwilioSignature(secret, url, params, algorithm);
    expect(twilioSdk.validateRequest(secret, signature, url, params, algorithm)).toBe(true);
    const headers = {
      ...FORM_CT,
      'x-twilio-webhooks-signature-settings': settings,
      'i-twilio-idempotency-token': randomUUID(),
      'x-twilio-signature': signature,
    };
    const withoutSettings = { ...headers, 'x-twilio-webhooks-signature-settings': '' };
    await acceptsAndRefuses(
      'twilio-shared',
      { headers, body },
      { type: 'message.sent', subject: 'SM43', key: headers['i-twilio-idempotency-token'] },
      {
        // Without the header the request is taken as Auth Token signed (SHA-1): the SHA-256 signature fails.
        'settings header missing': { headers: withoutSettings, body },
        'an algorithm Twilio does not use': {
          headers: { ...headers, 'x-twilio-webhooks-signature-settings': 'algorithm=HMAC_MD5' },
          body,
        },
        'changed parameter': { headers, body: body.replace('sent', 'failed') },
      },
    );
  });

  it('HubSpot v3: Signature.getSignature over method, public URL, body and timestamp; stale after 5 min', async () => {
    const clientSecret = 'hubspot-client-secret';
    await createSource(t, { slug: 'hubspot', provider: 'hubspot', secret: clientSecret });
    const body = JSON.stringify([{ eventId: 100, subscriptionType: 'contact.creation', objectId: 123 }]);
    const signed = (timestamp: number, requestBody = body) => ({
      ...JSON_CT,
      'x-hubspot-request-timestamp': String(timestamp),
      'x-hubspot-signature-v3': Signature.getSignature('POST', 'v3', {
        signature: '',
        clientSecret,
        requestBody,
        url: publicUrl('hubspot'),
        timestamp,
      }),
    });
    await acceptsAndRefuses(
      'hubspot',
      { headers: signed(Date.now()), body },
      { type: 'contact.creation', subject: '123', key: bodyDigest(body) },
      {
        tampered: { headers: signed(Date.now()), body: tampered(body) },
        stale: { headers: signed(Date.now() - 301_000), body },
      },
    );
    // HubSpot's retry: the same batch, signed afresh a minute later, is the event already taken.
    const batch = JSON.stringify([{ eventId: 102, subscriptionType: 'contact.creation', objectId: 124 }]);
    const first = await deliver(t, 'hubspot', { headers: signed(Date.now() - 60_000, batch), body: batch });
    expect(first.json).toMatchObject({ duplicate: false });
    const retry = await deliver(t, 'hubspot', { headers: signed(Date.now(), batch), body: batch });
    expect(retry.json).toEqual({ eventId: first.json.eventId, duplicate: true });
    // Another batch (another event id) is another event.
    const next = JSON.stringify([{ eventId: 101, subscriptionType: 'contact.creation', objectId: 123 }]);
    const other = await deliver(t, 'hubspot', { headers: signed(Date.now(), next), body: next });
    expect(other.json).toMatchObject({ duplicate: false });
    expect(other.json.eventId).not.toBe(first.json.eventId);

    // HubSpot decodes %3A %2F %3F %40 %21 %24 %27 %28 %29 %2A %2C %3B in the URI before signing; a request URL holding
    // them verifies signed either way, another escape (%20) stays as sent.
    const query = '?portal=a%3Ab%2Fc%40d%21%24%27%28%29%2a%2C%3B%3F&name=x%20y';
    const decodedQuery = "?portal=a:b/c@d!$'()*,;?&name=x%20y";
    const q = JSON.stringify([{ eventId: 103, subscriptionType: 'contact.creation', objectId: 125 }]);
    const signedOver = (url: string, timestamp = Date.now()) => ({
      ...JSON_CT,
      'x-hubspot-request-timestamp': String(timestamp),
      'x-hubspot-signature-v3': Signature.getSignature('POST', 'v3', {
        signature: '',
        clientSecret,
        requestBody: q,
        url,
        timestamp,
      }),
    });
    const decodedRes = await deliver(t, 'hubspot', {
      headers: signedOver(publicUrl('hubspot', decodedQuery)),
      body: q,
      suffix: query,
    });
    expect(decodedRes.status, decodedRes.text).toBe(200);
    const rawRes = await deliver(t, 'hubspot', {
      headers: signedOver(publicUrl('hubspot', query)),
      body: q,
      suffix: query,
    });
    expect(rawRes.status, rawRes.text).toBe(200);
    expect(rawRes.json).toEqual({ eventId: decodedRes.json.eventId, duplicate: true });
    const overDecoded = await deliver(t, 'hubspot', {
      headers: signedOver(publicUrl('hubspot', decodedQuery.replace('x%20y', 'x y'))),
      body: q,
      suffix: query,
    });
    expect(overDecoded.status).toBe(401);
  });

  it('Jira Connect: atlassian-jwt encodeSymmetric with a qsh over the public URL; expired tokens refused', async () => {
    const sharedSecret = 'atlassian-connect-shared-secret';
    const baseUrl = `${PUBLIC}${BASE}`;
    await createSource(t, {
      slug: 'jira-connect',
      provider: 'jira',
      secret: sharedSecret,
      options: { mode: 'connect', baseUrl, clientKey: 'jira:client-1' },
    });
    const body = '{"timestamp":1,"webhookEvent":"jira:issue_created","issue":{"id":"10002","key":"PROJ-7"}}';
    const url = publicUrl('jira-connect', '?tenant=acme');
    const token = (claims: Record<string, unknown> = {}) =>
      encodeSymmetric(
        {
          iss: 'jira:client-1',
          iat: nowSeconds(),
          exp: nowSeconds() + 180,
          qsh: createQueryStringHash(fromMethodAndUrl('POST', url), false, baseUrl),
          ...claims,
        },
        sharedSecret,
      );
    const identifier = randomUUID();
    const headers = (jwt: string) => ({
      ...JSON_CT,
      authorization: `JWT ${jwt}`,
      'x-atlassian-webhook-identifier': identifier,
    });
    await acceptsAndRefuses(
      'jira-connect',
      { headers: headers(token()), body, suffix: '?tenant=acme' },
      { type: 'jira:issue_created', subject: 'PROJ-7', key: identifier },
      {
        expired: {
          headers: headers(token({ iat: nowSeconds() - 600, exp: nowSeconds() - 60 })),
          body,
          suffix: '?tenant=acme',
        },
        'another client': { headers: headers(token({ iss: 'jira:other' })), body, suffix: '?tenant=acme' },
        'another query (qsh)': { headers: headers(token()), body, suffix: '?tenant=evil' },
        'another key': {
          headers: headers(encodeSymmetric({ iss: 'jira:client-1', exp: nowSeconds() + 60 }, 'x')),
          body,
          suffix: '?tenant=acme',
        },
      },
    );
  });

  it('same-format providers signed by another vendor’s library: Bitbucket, Jira admin and Meta (octokit), WooCommerce and Typeform (Shopify getHmac), Calendly (Stripe)', async () => {
    const secret = 'shared-format-secret';
    for (const [slug, provider, options] of [
      ['bitbucket', 'bitbucket', {}],
      ['jira', 'jira', {}],
      ['meta', 'meta', { verifyToken: 'meta-verify' }],
      ['woocommerce', 'woocommerce', {}],
      ['typeform', 'typeform', {}],
      ['calendly', 'calendly', {}],
    ] as const) {
      await createSource(t, { slug, provider, secret, options });
    }
    const bb = '{"repository":{"full_name":"ws/repo"},"push":{"changes":[]}}';
    const bbId = randomUUID();
    const bbHeaders = { ...JSON_CT, 'x-event-key': 'repo:push', 'x-request-uuid': bbId };
    await acceptsAndRefuses(
      'bitbucket',
      { headers: { ...bbHeaders, 'x-hub-signature': await octokitSign(secret, bb) }, body: bb },
      { type: 'repo:push', subject: 'ws/repo', key: bbId },
      {
        tampered: {
          headers: { ...bbHeaders, 'x-hub-signature': await octokitSign(secret, bb) },
          body: tampered(bb),
        },
      },
    );

    const jira = '{"webhookEvent":"jira:issue_updated","issue":{"key":"PROJ-9"}}';
    const jiraId = randomUUID();
    const jiraHeaders = { ...JSON_CT, 'x-atlassian-webhook-identifier': jiraId };
    await acceptsAndRefuses(
      'jira',
      { headers: { ...jiraHeaders, 'x-hub-signature': await octokitSign(secret, jira) }, body: jira },
      { type: 'jira:issue_updated', subject: 'PROJ-9', key: jiraId },
      {
        tampered: {
          headers: { ...jiraHeaders, 'x-hub-signature': await octokitSign(secret, jira) },
          body: tampered(jira),
        },
      },
    );

    // Meta escapes non-ASCII in its bodies; the signature covers exactly these bytes.
    const meta =
      '{"object":"whatsapp_business_account","entry":[{"id":"1023","changes":[{"field":"messages","value":{"messages":[{"id":"wamid.A1","text":{"body":"Gr\\u00fc\\u00dfe"}}]}}]}]}';
    await acceptsAndRefuses(
      'meta',
      { headers: { ...JSON_CT, 'x-hub-signature-256': await octokitSign(secret, meta) }, body: meta },
      { type: 'whatsapp_business_account.messages', subject: '1023', key: 'wamid.A1' },
      {
        tampered: {
          headers: { ...JSON_CT, 'x-hub-signature-256': await octokitSign(secret, meta) },
          body: tampered(meta),
        },
      },
    );

    const woo = '{"id":727,"status":"processing","total":"29.35"}';
    const wooId = randomUUID();
    const wooHeaders = {
      ...JSON_CT,
      'x-wc-webhook-topic': 'order.created',
      'x-wc-webhook-source': 'https://shop.example.com/',
      'x-wc-webhook-delivery-id': wooId,
    };
    await acceptsAndRefuses(
      'woocommerce',
      { headers: { ...wooHeaders, 'x-wc-webhook-signature': getHmac(woo, secret) }, body: woo },
      { type: 'order.created', subject: 'https://shop.example.com/', key: wooId },
      {
        tampered: {
          headers: { ...wooHeaders, 'x-wc-webhook-signature': getHmac(woo, secret) },
          body: tampered(woo),
        },
      },
    );

    const tf = '{"event_id":"01TF1","event_type":"form_response","form_response":{"form_id":"lT4Z3j"}}';
    await acceptsAndRefuses(
      'typeform',
      { headers: { ...JSON_CT, 'typeform-signature': `sha256=${getHmac(tf, secret)}` }, body: tf },
      { type: 'form_response', subject: 'lT4Z3j', key: '01TF1' },
      {
        tampered: {
          headers: { ...JSON_CT, 'typeform-signature': `sha256=${getHmac(tf, secret)}` },
          body: tampered(tf),
        },
      },
    );

    const cal =
      '{"event":"invitee.created","payload":{"uri":"https://api.calendly.com/scheduled_events/E1/invitees/I1"}}';
    const calHeader = (ts: number) =>
      Stripe.webhooks.generateTestHeaderString({ payload: cal, secret, timestamp: ts });
    await acceptsAndRefuses(
      'calendly',
      { headers: { ...JSON_CT, 'calendly-webhook-signature': calHeader(nowSeconds()) }, body: cal },
      {
        type: 'invitee.created',
        subject: 'https://api.calendly.com/scheduled_events/E1/invitees/I1',
        key: bodyDigest(cal),
      },
      {
        tampered: {
          headers: { ...JSON_CT, 'calendly-webhook-signature': calHeader(nowSeconds()) },
          body: tampered(cal),
        },
        stale: {
          headers: { ...JSON_CT, 'calendly-webhook-signature': calHeader(nowSeconds() - 181) },
          body: cal,
        },
      },
    );
  });
});
