// Provider templates for email delivery events: SendGrid (ECDSA-signed batches) and Mailgun (signature in the body).
import { randomBytes, randomUUID } from 'node:crypto';
import { RAW_BODY_DIGEST } from '../extract.js';
import {
  batchType,
  defineProvider,
  hmacOf,
  optionalNumber,
  seconds,
  signWithPrivateKey,
  str,
} from './helpers.js';

const JSON_CT = 'application/json';

export const sendgrid = defineProvider({
  id: 'sendgrid',
  name: 'SendGrid (Event Webhook)',
  description:
    'Email event batches, ECDSA P-256/SHA-256 over timestamp + body (X-Twilio-Email-Event-Webhook-Signature).',
  docsUrl:
    'https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features',
  requiredFields: ['secret'],
  optionalFields: ['toleranceSeconds'],
  secretChosenBy: 'provider',
  setupHints: [
    'Settings → Mail Settings → Event Webhooks → Create new webhook; Post URL: this source’s ingest URL.',
    'Enable Signed Event Webhook and copy the Verification Key (base64) into this source’s secret.',
    'A delivery is an array of events; its type is the shared "event", or "batch" when they differ. A batch sent again with the same bytes (a retry) is a duplicate (key raw.sha256).',
  ],
  verifier: (options) => ({
    type: 'ecdsa',
    curve: 'P-256',
    hash: 'sha256',
    signatureFormat: 'der',
    encoding: 'base64',
    header: 'x-twilio-email-event-webhook-signature',
    signedContent: '{timestamp}{body}',
    timestamp: {
      from: 'header',
      name: 'x-twilio-email-event-webhook-timestamp',
      format: 'unix_seconds',
      // SendGrid sets no window; 5 minutes, as Stripe and Standard Webhooks do: every POST, retries included, is
      // signed when it is sent. A replay of the same bytes is a duplicate, by the body's digest.
      toleranceSeconds: optionalNumber(options, 'toleranceSeconds', 1, 86_400) ?? 300,
    },
  }),
  eventType: (_req, body) => batchType(body, 'event'),
  // A batch has no id of its own, but its events carry sg_event_id and timestamps: the same bytes are the same batch.
  idempotencyKeys: [RAW_BODY_DIGEST],
  sample: ({ secret, now }) => {
    const body = JSON.stringify([
      {
        email: 'user@example.com',
        timestamp: seconds(now),
        event: 'delivered',
        sg_event_id: randomUUID(),
        sg_message_id: 'msg.1',
      },
    ]);
    const ts = String(seconds(now));
    return {
      method: 'POST',
      contentType: JSON_CT,
      body,
      headers: {
        'content-type': JSON_CT,
        'x-twilio-email-event-webhook-timestamp': ts,
        'x-twilio-email-event-webhook-signature': signWithPrivateKey(secret, ts + body).toString('base64'),
      },
    };
  },
});

export const mailgun = defineProvider({
  id: 'mailgun',
  name: 'Mailgun',
  description:
    'Mailgun event webhooks; HMAC-SHA256 over timestamp + token, carried in the body’s signature object.',
  docsUrl: 'https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks',
  requiredFields: ['secret'],
  optionalFields: ['toleranceSeconds'],
  secretChosenBy: 'provider',
  setupHints: [
    'Sending → Webhooks → Add webhook; URL: this source’s ingest URL.',
    'Secret: the HTTP webhook signing key (Settings → API Security), not the API key.',
    'The signature does not cover the body: a token already used for another event is refused as a replay, and a signature older than toleranceSeconds (default 12 hours: Mailgun warns of delays and retries for 8 hours) is refused.',
  ],
  verifier: (options) => ({
    type: 'hmac',
    algorithm: 'sha256',
    encoding: 'hex',
    signatureBodyPath: 'signature.signature',
    signedContent: '{body.signature.timestamp}{body.signature.token}',
    // The signature does not cover the body: without a limit a captured one would vouch for any body at any later
    // time. Mailgun warns that deliveries can be late and retries for 8 hours, so the window is wide; within it the
    // replay key refuses a token used for another event.
    timestamp: {
      from: 'body',
      name: 'signature.timestamp',
      format: 'unix_seconds',
      toleranceSeconds: optionalNumber(options, 'toleranceSeconds', 1, 86_400) ?? 12 * 3600,
    },
  }),
  eventType: (_req, body) => str(body, 'event-data.event'),
  subject: (_req, body) => str(body, 'event-data.recipient'),
  idempotencyKeys: ['body.event-data.id', 'body.signature.token'],
  // Mailgun signs each request with a fresh token and asks receivers never to accept one twice.
  replayKey: 'body.signature.token',
  sample: ({ secret, now }) => {
    const timestamp = String(seconds(now));
    const token = randomBytes(25).toString('hex');
    const body = JSON.stringify({
      signature: { timestamp, token, signature: hmacOf('sha256', secret, timestamp + token, 'hex') },
      'event-data': {
        id: randomUUID(),
        event: 'delivered',
        timestamp: seconds(now),
        recipient: 'alice@example.com',
      },
    });
    return { method: 'POST', contentType: JSON_CT, body, headers: { 'content-type': JSON_CT } };
  },
});
