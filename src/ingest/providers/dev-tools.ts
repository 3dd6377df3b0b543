// Provider templates for engineering tools: Linear, Jira (admin webhooks or Connect/OAuth JWTs), PagerDuty and Vercel.
import { randomUUID } from 'node:crypto';
import { headerOf } from '../inbound-request.js';
import { atlassianQsh } from '../verifiers/atlassian-qsh.js';
import {
  defineProvider,
  hmacOf,
  joinType,
  optionalChoice,
  optionalNumber,
  optionalString,
  seconds,
  signJwt,
  str,
} from './helpers.js';

const JSON_CT = 'application/json';

export const linear = defineProvider({
  id: 'linear',
  name: 'Linear',
  description:
    'Linear data-change webhooks, HMAC-SHA256 of the body (Linear-Signature); freshness from the signed body.',
  docsUrl: 'https://linear.app/developers/webhooks#securing-webhooks',
  requiredFields: ['secret'],
  optionalFields: ['toleranceSeconds'],
  secretChosenBy: 'provider',
  setupHints: [
    'Settings → API → Webhooks → New webhook (or your OAuth app’s webhook); URL: this source’s ingest URL.',
    'Copy the webhook’s signing secret into this source’s secret.',
    'Deduplication uses the Linear-Delivery header; webhookId names the subscription, not the delivery.',
  ],
  verifier: (options) => ({
    type: 'hmac',
    algorithm: 'sha256',
    encoding: 'hex',
    header: 'linear-signature',
    timestamp: {
      from: 'body',
      name: 'webhookTimestamp',
      format: 'unix_ms',
      toleranceSeconds: optionalNumber(options, 'toleranceSeconds', 1, 86_400) ?? 60,
    },
  }),
  eventType: (req, body) => joinType(str(body, 'type'), str(body, 'action')) ?? headerOf(req, 'linear-event'),
  subject: (_req, body) => str(body, 'data.identifier') ?? str(body, 'data.id'),
  idempotencyKeys: ['header.linear-delivery'],
  sample: ({ secret, now }) => {
    const body = JSON.stringify({
      action: 'create',
      type: 'Issue',
      createdAt: new Date(now).toISOString(),
      data: { id: randomUUID(), identifier: 'ENG-42', title: 'Sample issue' },
      url: 'https://linear.app/sample/issue/ENG-42',
      organizationId: randomUUID(),
      webhookId: randomUUID(),
      webhookTimestamp: now,
    });
    return {
      method: 'POST',
      contentType: JSON_CT,
      body,
      headers: {
        'content-type': JSON_CT,
        'linear-delivery': randomUUID(),
        'linear-event': 'Issue',
        'linear-signature': hmacOf('sha256', secret, body, 'hex'),
      },
    };
  },
});

export const jira = defineProvider({
  id: 'jira',
  name: 'Jira',
  description:
    'Jira admin webhooks (HMAC-SHA256, X-Hub-Signature) or Connect/OAuth app webhooks (HS256 JWT with qsh).',
  docsUrl: 'https://developer.atlassian.com/cloud/jira/platform/webhooks/',
  requiredFields: ['secret'],
  optionalFields: ['mode', 'baseUrl', 'clientKey'],
  secretChosenBy: (options) => (options['mode'] === 'connect' ? 'provider' : 'user'),
  setupHints: [
    'Admin webhook: Settings → System → WebHooks → Create; URL: this source’s ingest URL; Secret: a random string, the same as this source’s secret.',
    'Connect / OAuth 2.0 apps: mode "connect"; secret = the sharedSecret from the installation; baseUrl = the app descriptor’s baseUrl; clientKey (optional) = the installation’s clientKey, the only issuer (iss) then accepted.',
  ],
  verifier: (options) => {
    if (optionalChoice(options, 'mode', ['admin', 'connect'] as const) !== 'connect') {
      return {
        type: 'hmac',
        algorithm: 'sha256',
        encoding: 'hex',
        header: 'x-hub-signature',
        prefix: 'sha256=',
      };
    }
    const baseUrl = optionalString(options, 'baseUrl');
    const clientKey = optionalString(options, 'clientKey');
    return {
      type: 'jwt',
      scheme: 'JWT',
      queryParam: 'jwt',
      algorithms: ['HS256'],
      qsh: true,
      ...(baseUrl === undefined ? {} : { qshBaseUrl: baseUrl }),
      ...(clientKey === undefined ? {} : { issuer: clientKey }),
    };
  },
  eventType: (_req, body) => str(body, 'webhookEvent'),
  subject: (_req, body) => str(body, 'issue.key') ?? str(body, 'project.key'),
  idempotencyKeys: ['header.x-atlassian-webhook-identifier'],
  sample: ({ secret, url, now, options }) => {
    const body = JSON.stringify({
      timestamp: now,
      webhookEvent: 'jira:issue_created',
      issue_event_type_name: 'issue_created',
      issue: { id: '10002', key: 'PROJ-7', fields: { summary: 'Sample issue' } },
    });
    const headers: Record<string, string> = {
      'content-type': JSON_CT,
      'x-atlassian-webhook-identifier': String(now),
    };
    if (options?.['mode'] === 'connect') {
      const baseUrl = typeof options['baseUrl'] === 'string' ? options['baseUrl'] : undefined;
      const iss = typeof options['clientKey'] === 'string' ? options['clientKey'] : 'jira:sample-client-key';
      const claims = {
        iss,
        iat: seconds(now),
        exp: seconds(now) + 180,
        qsh: atlassianQsh('POST', url, baseUrl),
      };
      headers['authorization'] = `JWT ${signJwt(claims, secret)}`;
    } else {
      headers['x-hub-signature'] = `sha256=${hmacOf('sha256', secret, body, 'hex')}`;
    }
    return { method: 'POST', contentType: JSON_CT, body, headers };
  },
});

export const pagerduty = defineProvider({
  id: 'pagerduty',
  name: 'PagerDuty (v3 webhooks)',
  description:
    'PagerDuty v3 webhook subscriptions, HMAC-SHA256 of the body; one v1= signature per active secret.',
  docsUrl: 'https://developer.pagerduty.com/docs/verifying-webhook-signatures',
  requiredFields: ['secret'],
  optionalFields: [],
  secretChosenBy: 'provider',
  setupHints: [
    'Integrations → Generic Webhooks (v3) → New Webhook; Webhook URL: this source’s ingest URL.',
    'Copy the subscription’s secret (shown once) into this source’s secret.',
  ],
  verifier: () => ({
    type: 'hmac',
    algorithm: 'sha256',
    encoding: 'hex',
    header: 'x-pagerduty-signature',
    separator: ',',
    prefix: 'v1=',
  }),
  eventType: (_req, body) => str(body, 'event.event_type'),
  subject: (_req, body) => str(body, 'event.data.id'),
  idempotencyKeys: ['header.x-webhook-id', 'body.event.id'],
  sample: ({ secret, now }) => {
    const body = JSON.stringify({
      event: {
        id: `01${randomUUID().replace(/-/g, '').slice(0, 24).toUpperCase()}`,
        event_type: 'incident.triggered',
        resource_type: 'incident',
        occurred_at: new Date(now).toISOString(),
        data: { id: 'PGR0VU2', type: 'incident', title: 'A little bump in the road' },
      },
    });
    return {
      method: 'POST',
      contentType: JSON_CT,
      body,
      headers: {
        'content-type': JSON_CT,
        'x-webhook-id': randomUUID(),
        'x-pagerduty-signature': `v1=${hmacOf('sha256', secret, body, 'hex')}`,
      },
    };
  },
});

export const vercel = defineProvider({
  id: 'vercel',
  name: 'Vercel',
  description: 'Vercel account and integration webhooks, HMAC-SHA1 (hex) of the body in x-vercel-signature.',
  docsUrl: 'https://vercel.com/docs/webhooks/webhooks-api#securing-webhooks',
  requiredFields: ['secret'],
  optionalFields: [],
  secretChosenBy: 'provider',
  setupHints: [
    'Team Settings → Webhooks → Create Webhook; Endpoint: this source’s ingest URL; copy the shown secret into this source’s secret.',
    'Integration webhooks: the secret is the integration’s Client Secret.',
  ],
  verifier: () => ({ type: 'hmac', algorithm: 'sha1', encoding: 'hex', header: 'x-vercel-signature' }),
  eventType: (_req, body) => str(body, 'type'),
  subject: (_req, body) => str(body, 'payload.deployment.id') ?? str(body, 'payload.project.id'),
  idempotencyKeys: ['body.id'],
  sample: ({ secret, now }) => {
    const body = JSON.stringify({
      id: randomUUID(),
      type: 'deployment.succeeded',
      createdAt: now,
      payload: { deployment: { id: 'dpl_sample', url: 'sample.vercel.app' }, project: { id: 'prj_sample' } },
    });
    return {
      method: 'POST',
      contentType: JSON_CT,
      body,
      headers: { 'content-type': JSON_CT, 'x-vercel-signature': hmacOf('sha1', secret, body, 'hex') },
    };
  },
});
