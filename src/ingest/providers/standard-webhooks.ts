// Provider templates for the Standard Webhooks family: Standard Webhooks itself, Svix, and the Svix-powered Clerk and
// Resend. One verifier (standard_webhooks) fits all; they differ in header prefix, subject and setup steps.
import { randomBytes } from 'node:crypto';
import type { JsonValue } from '../../core/index.js';
import type { InboundRequest } from '../inbound-request.js';
import { standardWebhooksSignature } from '../verifiers/standard-webhooks.js';
import { defineProvider, optionalNumber, seconds, str } from './helpers.js';
import type { ProviderTemplate, SampleOptions, SampleRequest } from './types.js';

const JSON_CT = 'application/json';

/** A `msg_` id in the style of Svix (the id doubles as the idempotency key, so it must be unique). */
const messageId = (): string => `msg_${randomBytes(16).toString('base64url').slice(0, 22)}`;

function signedSample(
  prefix: 'webhook' | 'svix',
  body: string,
  { secret, now }: SampleOptions,
): SampleRequest {
  const id = messageId();
  const ts = seconds(now);
  return {
    method: 'POST',
    contentType: JSON_CT,
    body,
    headers: {
      'content-type': JSON_CT,
      [`${prefix}-id`]: id,
      [`${prefix}-timestamp`]: String(ts),
      [`${prefix}-signature`]: standardWebhooksSignature(secret, id, ts, body),
    },
  };
}

interface FamilyMember {
  id: string;
  name: string;
  description: string;
  docsUrl: string;
  setupHints: string[];
  prefix: 'webhook' | 'svix';
  subject?: (req: InboundRequest, body: JsonValue | undefined) => string | undefined;
  sampleBody: (now: number) => JsonValue;
}

function member(m: FamilyMember): ProviderTemplate {
  return defineProvider({
    id: m.id,
    name: m.name,
    description: m.description,
    docsUrl: m.docsUrl,
    requiredFields: ['secret'],
    optionalFields: ['toleranceSeconds'],
    // Standard Webhooks senders (Svix and those built on it) make the whsec_ secret and show it per endpoint.
    secretChosenBy: 'provider',
    setupHints: m.setupHints,
    verifier: (options) => ({
      type: 'standard_webhooks',
      headerPrefix: 'auto',
      toleranceSeconds: optionalNumber(options, 'toleranceSeconds', 1, 86_400) ?? 300,
    }),
    eventType: (_req, body) => str(body, 'type'),
    ...(m.subject ? { subject: m.subject } : {}),
    idempotencyKeys: ['header.webhook-id', 'header.svix-id'],
    sample: (opts) => signedSample(m.prefix, JSON.stringify(m.sampleBody(opts.now)), opts),
  });
}

export const standardWebhooks = member({
  id: 'standard-webhooks',
  name: 'Standard Webhooks',
  description:
    'Any sender following the Standard Webhooks spec: webhook-id/-timestamp/-signature, whsec_ secrets.',
  docsUrl: 'https://www.standardwebhooks.com/',
  setupHints: [
    'Register this source’s ingest URL with the sender.',
    'Copy the endpoint’s signing secret (whsec_…) into this source’s secret; signatures within ±5 minutes are accepted.',
  ],
  prefix: 'webhook',
  sampleBody: (now) => ({
    type: 'invoice.paid',
    timestamp: new Date(now).toISOString(),
    data: { id: 'inv_123', amount: 4200 },
  }),
});

export const svix = member({
  id: 'svix',
  name: 'Svix',
  description: 'Webhooks sent through Svix (svix-id/-timestamp/-signature, whsec_ secrets).',
  docsUrl: 'https://docs.svix.com/receiving/verifying-payloads/how-manual',
  setupHints: [
    'In the sender’s Svix app portal add an endpoint with this source’s ingest URL.',
    'Copy the endpoint’s Signing Secret (whsec_…) into this source’s secret.',
  ],
  prefix: 'svix',
  sampleBody: (now) => ({
    type: 'user.created',
    timestamp: new Date(now).toISOString(),
    data: { id: 'usr_123' },
  }),
});

export const clerk = member({
  id: 'clerk',
  name: 'Clerk',
  description: 'Clerk user, session and organization events, delivered through Svix.',
  docsUrl: 'https://clerk.com/docs/webhooks/sync-data',
  setupHints: [
    'Dashboard → Configure → Webhooks → Add Endpoint; Endpoint URL: this source’s ingest URL.',
    'Copy the endpoint’s Signing Secret (whsec_…) into this source’s secret.',
  ],
  prefix: 'svix',
  subject: (_req, body) => str(body, 'data.id'),
  sampleBody: (now) => ({
    type: 'user.created',
    object: 'event',
    timestamp: now,
    data: { id: 'user_29w83sxmDNGwOuEthce5gg56FcC', object: 'user', first_name: 'Sample' },
  }),
});

export const resend = member({
  id: 'resend',
  name: 'Resend',
  description: 'Resend email and contact events, delivered through Svix.',
  docsUrl: 'https://resend.com/docs/dashboard/webhooks/verify-webhooks-requests',
  setupHints: [
    'Dashboard → Webhooks → Add Webhook; Endpoint URL: this source’s ingest URL.',
    'Copy the webhook’s Signing Secret (whsec_…) into this source’s secret.',
  ],
  prefix: 'svix',
  subject: (_req, body) => str(body, 'data.email_id'),
  sampleBody: (now) => ({
    type: 'email.delivered',
    created_at: new Date(now).toISOString(),
    data: {
      email_id: '56761188-7520-42d8-8898-ff6fc54ce618',
      to: ['delivered@resend.dev'],
      subject: 'Sample',
    },
  }),
});
