// Provider templates for chat and messaging: Slack, Discord, Twilio, Meta (WhatsApp/Messenger/Instagram) and Intercom.
import { randomUUID } from 'node:crypto';
import type { JsonValue } from '../../core/index.js';
import { discordPing, metaVerifyChallenge, slackSslCheck, slackUrlVerification } from '../handshakes.js';
import { parseBody, type ParseLimits } from '../parse-body.js';
import { sortedFormParams } from '../verifiers/signed-content.js';
import {
  defineProvider,
  hmacOf,
  joinType,
  optionalChoice,
  optionalNumber,
  optionalString,
  requiredString,
  seconds,
  signWithPrivateKey,
  str,
  valueAtPath,
} from './helpers.js';
import type { AckResponse } from './types.js';

const JSON_CT = 'application/json';
const FORM_CT = 'application/x-www-form-urlencoded';

/**
 * Interactivity (block_actions, view_submission, shortcuts …) posts a form with one field, `payload=<json>`: the data
 * is that form with the field parsed, so rules match `data.payload.actions[].action_id`. A field that is not JSON
 * (or nests deeper than the limit) stays the string it was.
 */
function slackData(body: JsonValue | undefined, limits: ParseLimits): JsonValue | undefined {
  const payload = str(body, 'payload');
  if (payload === undefined || typeof body !== 'object' || body === null || Array.isArray(body))
    return undefined;
  try {
    const parsed = parseBody(Buffer.from(payload, 'utf8'), JSON_CT, limits).data;
    return parsed === undefined ? undefined : { ...body, payload: parsed };
  } catch {
    return undefined;
  }
}

export const slack = defineProvider({
  id: 'slack',
  name: 'Slack',
  description:
    'Events API, interactivity and slash commands, HMAC-SHA256 over "v0:timestamp:body" (X-Slack-Signature).',
  docsUrl: 'https://api.slack.com/authentication/verifying-requests-from-slack',
  requiredFields: ['secret'],
  optionalFields: ['toleranceSeconds'],
  secretChosenBy: 'provider',
  setupHints: [
    'api.slack.com/apps → your app → Basic Information → App Credentials: copy the Signing Secret into this source’s secret.',
    'Event Subscriptions → Request URL: this source’s ingest URL; the url_verification challenge is answered here.',
    'Interactivity and slash commands may use the same URL; their type is the payload type or "slash_command".',
  ],
  verifier: (options) => ({
    type: 'hmac',
    algorithm: 'sha256',
    encoding: 'hex',
    header: 'x-slack-signature',
    prefix: 'v0=',
    signedContent: 'v0:{timestamp}:{body}',
    timestamp: {
      from: 'header',
      name: 'x-slack-request-timestamp',
      format: 'unix_seconds',
      toleranceSeconds: optionalNumber(options, 'toleranceSeconds', 1, 86_400) ?? 300,
    },
  }),
  data: slackData,
  eventType: (_req, body) =>
    (str(body, 'type') === 'event_callback' ? str(body, 'event.type') : undefined) ??
    str(body, 'type') ??
    str(body, 'payload.type') ??
    (str(body, 'command') !== undefined ? 'slash_command' : undefined),
  subject: (_req, body) => str(body, 'team_id') ?? str(body, 'team.id') ?? str(body, 'payload.team.id'),
  // Events API: event_id (the same on Slack's retries). Interactivity (its form's payload field) and slash commands
  // (form fields of their own): trigger_id, made once per interaction or invocation.
  idempotencyKeys: ['body.event_id', 'body.payload.trigger_id', 'body.trigger_id'],
  handshake: slackUrlVerification,
  ping: slackSslCheck,
  sample: ({ secret, now }) => {
    const body = JSON.stringify({
      token: 'deprecated',
      team_id: 'T0SAMPLE',
      api_app_id: 'A0SAMPLE',
      type: 'event_callback',
      event_id: `Ev${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`,
      event_time: seconds(now),
      event: {
        type: 'app_mention',
        user: 'U0SAMPLE',
        text: '<@U0APP> hello',
        channel: 'C0SAMPLE',
        ts: `${seconds(now)}.000100`,
      },
    });
    const ts = seconds(now);
    return {
      method: 'POST',
      contentType: JSON_CT,
      body,
      headers: {
        'content-type': JSON_CT,
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': `v0=${hmacOf('sha256', secret, `v0:${ts}:${body}`, 'hex')}`,
      },
    };
  },
});

const DISCORD_INTERACTIONS: Record<number, string> = {
  1: 'ping',
  2: 'application_command',
  3: 'message_component',
  4: 'application_command_autocomplete',
  5: 'modal_submit',
};

/**
 * What Discord expects back within 3 s: 204 for webhook events; for interactions a reply. Eventhook defers it
 * (the workflow answers later through the interaction token in the event): a "thinking…" message for commands and
 * modals, a silent update for components, no suggestions for autocomplete. A source `response` setting overrides.
 */
function discordAck(body: JsonValue | undefined): AckResponse | undefined {
  if (valueAtPath(body, ['event']) !== undefined) return { status: 204 };
  switch (valueAtPath(body, ['type'])) {
    case 2:
    case 5:
      return { status: 200, contentType: JSON_CT, body: '{"type":5}' };
    case 3:
      return { status: 200, contentType: JSON_CT, body: '{"type":6}' };
    case 4:
      return { status: 200, contentType: JSON_CT, body: '{"type":8,"data":{"choices":[]}}' };
    default:
      return undefined;
  }
}

export const discord = defineProvider({
  id: 'discord',
  name: 'Discord',
  description: 'Interactions and webhook events, Ed25519 over timestamp + body (X-Signature-Ed25519).',
  docsUrl: 'https://discord.com/developers/docs/interactions/overview#setting-up-an-endpoint',
  requiredFields: ['secret'],
  optionalFields: ['toleranceSeconds'],
  secretChosenBy: 'provider',
  setupHints: [
    'Developer Portal → your application → General Information: copy the Public Key (hex) into this source’s secret.',
    'Interactions Endpoint URL (or Webhooks → Endpoint URL): this source’s ingest URL; PINGs are answered here.',
    'Discord deliberately sends bad signatures while checking the endpoint; they are rejected with 401 as required.',
    'Interactions get a deferred reply (type 5, or 6 for components); follow up with the interaction token, or set this source’s response to answer directly. Webhook events get 204.',
  ],
  verifier: (options) => ({
    type: 'ed25519',
    encoding: 'hex',
    header: 'x-signature-ed25519',
    signedContent: '{timestamp}{body}',
    timestamp: {
      from: 'header',
      name: 'x-signature-timestamp',
      format: 'unix_seconds',
      // Discord expects an answer within 3 seconds and signs each request as it sends it: an old one is a replay.
      toleranceSeconds: optionalNumber(options, 'toleranceSeconds', 1, 86_400) ?? 300,
    },
  }),
  eventType: (_req, body) => {
    const eventType = str(body, 'event.type');
    if (eventType !== undefined) return eventType;
    const type = valueAtPath(body, ['type']);
    return typeof type === 'number' ? (DISCORD_INTERACTIONS[type] ?? `interaction_${type}`) : undefined;
  },
  subject: (_req, body) => str(body, 'guild_id') ?? str(body, 'application_id'),
  // Interactions carry an id; webhook events ({version, application_id, type: 1, event: {…}}) none, so their
  // exact bytes are their key (a retry resends the same body).
  idempotencyKeys: ['body.id', 'raw.sha256'],
  handshake: discordPing,
  response: (_req, body) => discordAck(body),
  sample: ({ secret, now }) => {
    const body = JSON.stringify({
      id: '1234567890123456789',
      application_id: '1100000000000000000',
      type: 2,
      guild_id: '1200000000000000000',
      token: 'interaction-token',
      version: 1,
      data: { id: '1300000000000000000', name: 'hello', type: 1 },
    });
    const ts = String(seconds(now));
    const signature = signWithPrivateKey(secret, ts + body).toString('hex');
    return {
      method: 'POST',
      contentType: JSON_CT,
      body,
      headers: { 'content-type': JSON_CT, 'x-signature-ed25519': signature, 'x-signature-timestamp': ts },
    };
  },
});

function twilioEventType(body: JsonValue | undefined): string | undefined {
  const message = str(body, 'MessageStatus') ?? str(body, 'SmsStatus');
  if (message !== undefined) return `message.${message}`;
  const call = str(body, 'CallStatus');
  return call !== undefined ? `call.${call}` : str(body, 'type');
}

export const twilio = defineProvider({
  id: 'twilio',
  name: 'Twilio',
  description:
    'Messaging and voice webhooks, HMAC-SHA1 (base64) over the full URL plus the sorted form parameters.',
  docsUrl: 'https://www.twilio.com/docs/usage/webhooks/webhooks-security',
  requiredFields: ['secret'],
  optionalFields: ['url', 'algorithm'],
  secretChosenBy: 'provider',
  setupHints: [
    'Console → Phone Numbers (or Messaging Service) → A message comes in / Status callback URL: this source’s ingest URL.',
    'Secret: the account’s Auth Token, or the SharedKey secret: SharedKey webhooks name their algorithm (HMAC-SHA256) in X-Twilio-Webhooks-Signature-Settings, which is followed unless the algorithm option fixes one.',
    'Twilio signs the exact URL it calls; if a proxy rewrites it, set url to the URL as typed in the Console.',
    'JSON webhooks carry bodySHA256 in the query; the body hash is checked too.',
  ],
  verifier: (options) => {
    const url = optionalString(options, 'url');
    const algorithm = optionalChoice(options, 'algorithm', ['sha1', 'sha256'] as const);
    return {
      type: 'hmac',
      // As twilio's own middleware: the settings header names the algorithm; without it, the Auth Token's SHA-1.
      ...(algorithm === undefined
        ? { algorithm: 'sha1', algorithmHeader: 'x-twilio-webhooks-signature-settings' }
        : { algorithm }),
      encoding: 'base64',
      header: 'x-twilio-signature',
      signedContent: '{url}{form.sorted}',
      bodyHashParam: 'bodySHA256',
      ...(url === undefined ? {} : { url }),
    };
  },
  eventType: (_req, body) => twilioEventType(body),
  subject: (_req, body) => str(body, 'MessageSid') ?? str(body, 'CallSid') ?? str(body, 'SmsSid'),
  idempotencyKeys: ['header.i-twilio-idempotency-token'],
  sample: ({ secret, url }) => {
    const params = new URLSearchParams({
      AccountSid: 'AC00000000000000000000000000000000',
      MessageSid: 'SM00000000000000000000000000000000',
      From: '+15005550006',
      To: '+15005550001',
      Body: 'Hello from Twilio',
      SmsStatus: 'received',
      NumMedia: '0',
    });
    const body = params.toString();
    const signed = sortedFormParams({
      method: 'POST',
      url,
      path: '',
      query: {},
      remoteAddress: '',
      headers: { 'content-type': FORM_CT },
      rawBody: Buffer.from(body),
    });
    return {
      method: 'POST',
      contentType: FORM_CT,
      body,
      headers: {
        'content-type': FORM_CT,
        'i-twilio-idempotency-token': randomUUID(),
        'x-twilio-signature': hmacOf('sha1', secret, url + signed, 'base64'),
      },
    };
  },
});

export const meta = defineProvider({
  id: 'meta',
  name: 'Meta (WhatsApp, Messenger, Instagram)',
  description:
    'Graph API webhooks, HMAC-SHA256 of the body with the app secret (X-Hub-Signature-256), GET verify challenge.',
  docsUrl: 'https://developers.facebook.com/docs/graph-api/webhooks/getting-started',
  requiredFields: ['secret', 'verifyToken'],
  optionalFields: [],
  secretChosenBy: 'provider',
  secretOptions: ['verifyToken'],
  setupHints: [
    'App Dashboard → your app → Webhooks (or WhatsApp → Configuration): Callback URL = this source’s ingest URL.',
    'Verify token: any string; give the same string as the verifyToken option. The GET challenge is answered here.',
    'Secret: App settings → Basic → App Secret.',
  ],
  verifier: (options) => {
    requiredString(options, 'verifyToken');
    return {
      type: 'hmac',
      algorithm: 'sha256',
      encoding: 'hex',
      header: 'x-hub-signature-256',
      prefix: 'sha256=',
    };
  },
  eventType: (_req, body) =>
    joinType(
      str(body, 'object'),
      str(body, 'entry.0.changes.0.field') ??
        (valueAtPath(body, ['entry', '0', 'messaging']) !== undefined ? 'messaging' : undefined),
    ),
  subject: (_req, body) => str(body, 'entry.0.id'),
  // Only inbound message ids: status updates (sent, delivered, read) repeat the message id they describe.
  idempotencyKeys: ['body.entry.0.changes.0.value.messages.0.id'],
  handshake: metaVerifyChallenge,
  sample: ({ secret, now }) => {
    const body = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '102290129340398',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
                messages: [
                  {
                    from: '16505551234',
                    id: `wamid.${randomUUID()}`,
                    timestamp: String(seconds(now)),
                    type: 'text',
                    text: { body: 'Grüße' },
                  },
                ],
              },
            },
          ],
        },
      ],
    }).replace(/ü/g, '\\u00fc'); // Meta escapes non-ASCII; the signature covers these exact bytes
    return {
      method: 'POST',
      contentType: JSON_CT,
      body,
      headers: {
        'content-type': JSON_CT,
        'x-hub-signature-256': `sha256=${hmacOf('sha256', secret, body, 'hex')}`,
      },
    };
  },
});

export const intercom = defineProvider({
  id: 'intercom',
  name: 'Intercom',
  description:
    'Intercom webhook topics, HMAC-SHA1 of the body with the app client secret (X-Hub-Signature, sha1=…).',
  docsUrl: 'https://developers.intercom.com/docs/webhooks/setting-up-webhooks',
  requiredFields: ['secret'],
  optionalFields: [],
  secretChosenBy: 'provider',
  setupHints: [
    'Developer Hub → your app → Webhooks: Endpoint URL = this source’s ingest URL; pick topics.',
    'Secret: Basic information → client_secret of the app.',
    'The ping Intercom sends when subscribing is a signed "ping" topic, stored like any event.',
  ],
  verifier: () => ({
    type: 'hmac',
    algorithm: 'sha1',
    encoding: 'hex',
    header: 'x-hub-signature',
    prefix: 'sha1=',
  }),
  eventType: (_req, body) => str(body, 'topic'),
  subject: (_req, body) => str(body, 'data.item.id'),
  idempotencyKeys: ['body.id'],
  sample: ({ secret, now }) => {
    const body = JSON.stringify({
      type: 'notification_event',
      id: `notif_${randomUUID()}`,
      topic: 'conversation.user.created',
      app_id: 'abc123',
      created_at: seconds(now),
      data: { type: 'notification_event_data', item: { type: 'conversation', id: '147' } },
    });
    return {
      method: 'POST',
      contentType: JSON_CT,
      body,
      headers: { 'content-type': JSON_CT, 'x-hub-signature': `sha1=${hmacOf('sha1', secret, body, 'hex')}` },
    };
  },
});
