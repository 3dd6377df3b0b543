// Provider templates for business apps: Zoom, Typeform, HubSpot (v3 signatures) and Calendly.
import { randomUUID } from 'node:crypto';
import { RAW_BODY_DIGEST } from '../extract.js';
import { zoomUrlValidation } from '../handshakes.js';
import {
  batchType,
  defineProvider,
  hmacOf,
  optionalNumber,
  optionalString,
  seconds,
  str,
} from './helpers.js';

const JSON_CT = 'application/json';

export const zoom = defineProvider({
  id: 'zoom',
  name: 'Zoom',
  description:
    'Zoom event subscriptions, HMAC-SHA256 over "v0:timestamp:body" (x-zm-signature); URL validation answered.',
  docsUrl: 'https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events',
  requiredFields: ['secret'],
  optionalFields: ['toleranceSeconds'],
  secretChosenBy: 'provider',
  setupHints: [
    'Marketplace → your app → Features → Access → Event Subscription; Event notification endpoint URL: this source’s ingest URL.',
    'Copy the app’s Secret Token into this source’s secret; the endpoint.url_validation challenge is answered with it.',
    'Zoom sends no delivery id: a notification sent again with the same bytes (a retry) is a duplicate (key raw.sha256).',
  ],
  verifier: (options) => ({
    type: 'hmac',
    algorithm: 'sha256',
    encoding: 'hex',
    header: 'x-zm-signature',
    prefix: 'v0=',
    signedContent: 'v0:{timestamp}:{body}',
    timestamp: {
      from: 'header',
      name: 'x-zm-request-timestamp',
      format: 'unix_seconds',
      toleranceSeconds: optionalNumber(options, 'toleranceSeconds', 1, 86_400) ?? 300,
    },
  }),
  eventType: (_req, body) => str(body, 'event'),
  subject: (_req, body) => str(body, 'payload.object.id') ?? str(body, 'payload.account_id'),
  // No delivery id, but each notification carries its own event_ts: the same bytes are the same notification.
  idempotencyKeys: [RAW_BODY_DIGEST],
  handshake: zoomUrlValidation,
  sample: ({ secret, now }) => {
    const body = JSON.stringify({
      event: 'meeting.started',
      event_ts: now,
      payload: {
        account_id: 'AAAAAABBBB',
        object: { id: '89690208496', topic: 'Sample meeting', start_time: new Date(now).toISOString() },
      },
    });
    const ts = String(seconds(now));
    return {
      method: 'POST',
      contentType: JSON_CT,
      body,
      headers: {
        'content-type': JSON_CT,
        'x-zm-request-timestamp': ts,
        'x-zm-signature': `v0=${hmacOf('sha256', secret, `v0:${ts}:${body}`, 'hex')}`,
      },
    };
  },
});

export const typeform = defineProvider({
  id: 'typeform',
  name: 'Typeform',
  description: 'Typeform form responses, HMAC-SHA256 (base64) of the body in Typeform-Signature (sha256=…).',
  docsUrl: 'https://www.typeform.com/developers/webhooks/secure-your-webhooks/',
  requiredFields: ['secret'],
  optionalFields: [],
  secretChosenBy: 'user',
  setupHints: [
    'Form → Connect → Webhooks → Add a webhook; URL: this source’s ingest URL.',
    'Edit the webhook → Secret: a long random string; give the same string as this source’s secret.',
  ],
  verifier: () => ({
    type: 'hmac',
    algorithm: 'sha256',
    encoding: 'base64',
    header: 'typeform-signature',
    prefix: 'sha256=',
  }),
  eventType: (_req, body) => str(body, 'event_type'),
  subject: (_req, body) => str(body, 'form_response.form_id'),
  idempotencyKeys: ['body.event_id'],
  sample: ({ secret, now }) => {
    const body = JSON.stringify({
      event_id: `01${randomUUID().replace(/-/g, '').slice(0, 24).toUpperCase()}`,
      event_type: 'form_response',
      form_response: {
        form_id: 'lT4Z3j',
        token: 'a3a12ec67a1365927098a606107fac15',
        submitted_at: new Date(now).toISOString(),
      },
    });
    return {
      method: 'POST',
      contentType: JSON_CT,
      body,
      headers: {
        'content-type': JSON_CT,
        'typeform-signature': `sha256=${hmacOf('sha256', secret, body, 'base64')}`,
      },
    };
  },
});

export const hubspot = defineProvider({
  id: 'hubspot',
  name: 'HubSpot',
  description: 'HubSpot app webhooks (v3), HMAC-SHA256 (base64) over method + URL + body + timestamp.',
  docsUrl: 'https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests',
  requiredFields: ['secret'],
  optionalFields: ['url', 'toleranceSeconds'],
  secretChosenBy: 'provider',
  setupHints: [
    'Developer account → your app → Webhooks: Target URL = this source’s ingest URL.',
    'Secret: the app’s Client secret (Auth tab).',
    'HubSpot signs the URL it calls; if a proxy changes it, set url to the Target URL exactly as entered.',
    'A delivery is an array of events: its type is the shared subscriptionType, or "batch". A batch sent again with the same bytes (a retry) is a duplicate (key raw.sha256).',
  ],
  verifier: (options) => {
    const url = optionalString(options, 'url');
    return {
      type: 'hmac',
      algorithm: 'sha256',
      encoding: 'base64',
      header: 'x-hubspot-signature-v3',
      signedContent: '{method}{url}{body}{timestamp}',
      urlDecoded: true,
      timestamp: {
        from: 'header',
        name: 'x-hubspot-request-timestamp',
        format: 'unix_ms',
        toleranceSeconds: optionalNumber(options, 'toleranceSeconds', 1, 86_400) ?? 300,
      },
      ...(url === undefined ? {} : { url }),
    };
  },
  eventType: (_req, body) => batchType(body, 'subscriptionType'),
  subject: (_req, body) => (Array.isArray(body) && body.length === 1 ? str(body, '0.objectId') : undefined),
  // A batch has no id of its own, but its events carry eventId and occurredAt: the same bytes are the same batch.
  idempotencyKeys: [RAW_BODY_DIGEST],
  sample: ({ secret, url, now }) => {
    const body = JSON.stringify([
      {
        eventId: 100,
        subscriptionId: 1234,
        portalId: 62515,
        appId: 54321,
        occurredAt: now,
        subscriptionType: 'contact.creation',
        attemptNumber: 0,
        objectId: 123,
        changeFlag: 'CREATED',
      },
    ]);
    return {
      method: 'POST',
      contentType: JSON_CT,
      body,
      headers: {
        'content-type': JSON_CT,
        'x-hubspot-request-timestamp': String(now),
        'x-hubspot-signature-v3': hmacOf('sha256', secret, `POST${url}${body}${now}`, 'base64'),
      },
    };
  },
});

export const calendly = defineProvider({
  id: 'calendly',
  name: 'Calendly',
  description:
    'Calendly webhook subscriptions, HMAC-SHA256 over "t.body" in Calendly-Webhook-Signature (t=…,v1=…).',
  docsUrl: 'https://developer.calendly.com/api-docs/4c305798a61d3-webhook-signatures',
  requiredFields: ['secret'],
  optionalFields: ['toleranceSeconds'],
  secretChosenBy: 'user',
  setupHints: [
    'Create the subscription with POST /webhook_subscriptions: url = this source’s ingest URL, signing_key = a long random string.',
    'Give the same signing_key as this source’s secret.',
    'Calendly sends no delivery id (and payload.uri repeats across created/canceled): a delivery sent again with the same bytes (a retry) is a duplicate (key raw.sha256).',
  ],
  verifier: (options) => ({
    type: 'hmac',
    algorithm: 'sha256',
    encoding: 'hex',
    header: 'calendly-webhook-signature',
    signatureKey: 'v1',
    signedContent: '{timestamp}.{body}',
    timestamp: {
      from: 'signature',
      name: 't',
      format: 'unix_seconds',
      toleranceSeconds: optionalNumber(options, 'toleranceSeconds', 1, 86_400) ?? 180,
    },
  }),
  eventType: (_req, body) => str(body, 'event'),
  subject: (_req, body) => str(body, 'payload.uri'),
  // Each delivery carries its created_at: the same bytes are the same delivery.
  idempotencyKeys: [RAW_BODY_DIGEST],
  sample: ({ secret, now }) => {
    const body = JSON.stringify({
      event: 'invitee.created',
      created_at: new Date(now).toISOString(),
      payload: {
        uri: `https://api.calendly.com/scheduled_events/${randomUUID()}/invitees/${randomUUID()}`,
        email: 'test@example.com',
      },
    });
    const t = seconds(now);
    return {
      method: 'POST',
      contentType: JSON_CT,
      body,
      headers: {
        'content-type': JSON_CT,
        'calendly-webhook-signature': `t=${t},v1=${hmacOf('sha256', secret, `${t}.${body}`, 'hex')}`,
      },
    };
  },
});
