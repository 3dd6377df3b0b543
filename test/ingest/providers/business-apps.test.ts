// Zoom (node:crypto), Typeform (Shopify's getHmac + prefix), HubSpot (@hubspot/api-client Signature) and Calendly
// (Stripe's test header generator gives exactly Calendly's format).
import { createHmac } from 'node:crypto';
import { Signature } from '@hubspot/api-client';
import { getHmac } from '@shopify/shopify-api/test-helpers';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { bodyDigest } from '../../helpers/ingest.js';
import { inbound, tamper, URL_BASE } from '../fixtures.js';
import { extracted, provider, verifyAs } from './provider-harness.js';

const JSON_CT = { 'content-type': 'application/json' };

describe('zoom', () => {
  const SECRET = 'zoom-secret-token';
  const BODY =
    '{"event":"meeting.started","event_ts":1,"payload":{"account_id":"A1","object":{"id":"89690208496"}}}';
  const now = Date.now();
  const ts = String(Math.floor(now / 1000));
  const sig = (t = ts, body = BODY) =>
    `v0=${createHmac('sha256', SECRET).update(`v0:${t}:${body}`).digest('hex')}`;
  const req = (s: string, t = ts, body = BODY) =>
    inbound({ headers: { ...JSON_CT, 'x-zm-signature': s, 'x-zm-request-timestamp': t }, body });

  it('accepts the v0 signature, rejects tampering and stale timestamps', async () => {
    expect(await verifyAs('zoom', req(sig()), [SECRET], { now })).toEqual({ ok: true });
    expect((await verifyAs('zoom', tamper(req(sig())), [SECRET], { now })).ok).toBe(false);
    const old = String(Math.floor(now / 1000) - 301);
    expect(await verifyAs('zoom', req(sig(old), old), [SECRET], { now })).toMatchObject({
      reason: 'stale_timestamp',
    });
    expect(extracted('zoom', req(sig()))).toMatchObject({
      type: 'meeting.started',
      subject: '89690208496',
      key: bodyDigest(BODY),
    });
  });
});

describe('typeform', () => {
  const SECRET = 'typeform-secret';
  const BODY = '{"event_id":"01EVT","event_type":"form_response","form_response":{"form_id":"lT4Z3j"}}';
  const req = (s: string) => inbound({ headers: { ...JSON_CT, 'typeform-signature': s }, body: BODY });

  it('accepts sha256= + base64 (getHmac format), rejects the bare digest and tampering', async () => {
    expect(await verifyAs('typeform', req(`sha256=${getHmac(BODY, SECRET)}`), [SECRET])).toEqual({
      ok: true,
    });
    expect(await verifyAs('typeform', req(getHmac(BODY, SECRET)), [SECRET])).toMatchObject({
      reason: 'bad_encoding',
    });
    expect((await verifyAs('typeform', tamper(req(`sha256=${getHmac(BODY, SECRET)}`)), [SECRET])).ok).toBe(
      false,
    );
    expect(extracted('typeform', req('x'))).toMatchObject({
      type: 'form_response',
      subject: 'lT4Z3j',
      key: '01EVT',
    });
  });
});

describe('hubspot', () => {
  const SECRET = 'hubspot-client-secret';
  const URL = 'https://hooks.example.com/in/hubspot?portal=62515';
  const BODY =
    '[{"eventId":1,"subscriptionType":"contact.creation","objectId":123},{"eventId":2,"subscriptionType":"contact.creation","objectId":124}]';
  const req = (timestamp: number, body = BODY) =>
    inbound({
      url: URL,
      headers: {
        ...JSON_CT,
        'x-hubspot-request-timestamp': String(timestamp),
        'x-hubspot-signature-v3': Signature.getSignature('POST', 'v3', {
          signature: '', // the type asks for it; getSignature ignores it
          clientSecret: SECRET,
          requestBody: BODY,
          url: URL,
          timestamp,
        }),
      },
      body,
    });

  it('accepts a v3 signature made by Signature.getSignature, rejects tampering and age over 5 min', async () => {
    const now = Date.now();
    expect(await verifyAs('hubspot', req(now), [SECRET], { now })).toEqual({ ok: true });
    expect((await verifyAs('hubspot', tamper(req(now)), [SECRET], { now })).ok).toBe(false);
    expect(await verifyAs('hubspot', req(now - 301_000), [SECRET], { now })).toMatchObject({
      reason: 'stale_timestamp',
    });
  });

  it('its sample passes Signature.isValid; a batch is typed by its shared subscriptionType', () => {
    const now = Date.now();
    const s = provider('hubspot').sample({ secret: SECRET, url: URL, now });
    const valid = Signature.isValid({
      signatureVersion: 'v3',
      signature: s.headers['x-hubspot-signature-v3'] ?? '',
      clientSecret: SECRET,
      requestBody: s.body,
      url: URL,
      method: 'POST',
      timestamp: Number(s.headers['x-hubspot-request-timestamp']),
    });
    expect(valid).toBe(true);
    // No delivery id: the batch's exact bytes are its key, so HubSpot's retry (signed afresh) is a duplicate.
    expect(extracted('hubspot', req(now))).toMatchObject({
      type: 'contact.creation',
      key: bodyDigest(req(now).rawBody),
    });
    expect(extracted('hubspot', req(now + 60_000)).key).toBe(bodyDigest(req(now).rawBody));
  });
});

describe('calendly', () => {
  const SECRET = 'calendly-signing-key';
  const BODY =
    '{"event":"invitee.created","payload":{"uri":"https://api.calendly.com/scheduled_events/E/invitees/I"}}';
  const req = (header: string) =>
    inbound({ headers: { ...JSON_CT, 'calendly-webhook-signature': header }, body: BODY });
  const header = (t: number) =>
    Stripe.webhooks.generateTestHeaderString({ payload: BODY, secret: SECRET, timestamp: t });

  it('accepts the Stripe-format t=,v1= header, rejects tampering and age over 3 min', async () => {
    const now = Date.now();
    const t = Math.floor(now / 1000);
    expect(await verifyAs('calendly', req(header(t)), [SECRET], { now })).toEqual({ ok: true });
    expect((await verifyAs('calendly', tamper(req(header(t))), [SECRET], { now })).ok).toBe(false);
    expect(await verifyAs('calendly', req(header(t - 181)), [SECRET], { now })).toMatchObject({
      reason: 'stale_timestamp',
    });
    expect(extracted('calendly', req(header(t)))).toMatchObject({
      type: 'invitee.created',
      key: bodyDigest(BODY),
    });
  });

  it('its sample has the same header Stripe would generate', () => {
    const now = Date.now();
    const s = provider('calendly').sample({ secret: SECRET, url: URL_BASE, now });
    const t = Math.floor(now / 1000);
    expect(s.headers['calendly-webhook-signature']).toBe(
      Stripe.webhooks.generateTestHeaderString({ payload: s.body, secret: SECRET, timestamp: t }),
    );
  });
});
