// Provider templates for platforms with their own subscription handshakes: Twitch EventSub, Microsoft Graph,
// Dropbox, X (Twitter) Account Activity, and Google Cloud Pub/Sub push (OIDC JWT).
import { randomUUID } from 'node:crypto';
import { dropboxChallenge, graphValidationToken, twitchCallbackVerification, xCrc } from '../handshakes.js';
import { headerOf } from '../inbound-request.js';
import {
  defineProvider,
  hmacOf,
  isObject,
  optionalString,
  requiredString,
  seconds,
  signJwt,
  str,
} from './helpers.js';

const JSON_CT = 'application/json';

export const twitch = defineProvider({
  id: 'twitch',
  name: 'Twitch EventSub',
  description: 'EventSub webhook transport, HMAC-SHA256 over message id + timestamp + body (sha256=…).',
  docsUrl: 'https://dev.twitch.tv/docs/eventsub/handling-webhook-events/#verifying-the-event-message',
  requiredFields: ['secret'],
  optionalFields: [],
  secretChosenBy: 'user',
  setupHints: [
    'Create the subscription (POST /eventsub/subscriptions) with transport {method: "webhook", callback: this source’s ingest URL, secret}.',
    'The secret (10–100 characters) must equal this source’s secret; the callback verification challenge is answered here.',
  ],
  verifier: () => ({
    type: 'hmac',
    algorithm: 'sha256',
    encoding: 'hex',
    header: 'twitch-eventsub-message-signature',
    prefix: 'sha256=',
    signedContent: '{header.twitch-eventsub-message-id}{timestamp}{body}',
    timestamp: {
      from: 'header',
      name: 'twitch-eventsub-message-timestamp',
      format: 'rfc3339',
      toleranceSeconds: 600,
    },
  }),
  eventType: (req) => {
    const messageType = headerOf(req, 'twitch-eventsub-message-type');
    return messageType === 'notification' || messageType === undefined
      ? headerOf(req, 'twitch-eventsub-subscription-type')
      : messageType;
  },
  subject: (_req, body) => str(body, 'subscription.condition.broadcaster_user_id'),
  idempotencyKeys: ['header.twitch-eventsub-message-id'],
  handshake: twitchCallbackVerification,
  sample: ({ secret, now }) => {
    const body = JSON.stringify({
      subscription: {
        id: randomUUID(),
        type: 'channel.follow',
        version: '2',
        condition: { broadcaster_user_id: '1337' },
      },
      event: {
        user_id: '1234',
        user_login: 'cool_user',
        broadcaster_user_id: '1337',
        followed_at: new Date(now).toISOString(),
      },
    });
    const id = randomUUID();
    const ts = new Date(now).toISOString();
    return {
      method: 'POST',
      contentType: JSON_CT,
      body,
      headers: {
        'content-type': JSON_CT,
        'twitch-eventsub-message-id': id,
        'twitch-eventsub-message-timestamp': ts,
        'twitch-eventsub-message-type': 'notification',
        'twitch-eventsub-subscription-type': 'channel.follow',
        'twitch-eventsub-message-signature': `sha256=${hmacOf('sha256', secret, id + ts + body, 'hex')}`,
      },
    };
  },
});

export const microsoftGraph = defineProvider({
  id: 'microsoft-graph',
  name: 'Microsoft Graph',
  description:
    'Graph change notifications; every notification’s clientState must equal the secret. validationToken answered.',
  docsUrl: 'https://learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks',
  requiredFields: ['secret'],
  optionalFields: [],
  secretChosenBy: 'user',
  setupHints: [
    'Create the subscription (POST /subscriptions) with notificationUrl (and lifecycleNotificationUrl) = this source’s ingest URL.',
    'clientState: a random string of at most 255 characters; give the same string as this source’s secret.',
    'The validationToken handshake is answered here; Graph expects notifications to be acknowledged within 3 s.',
  ],
  verifier: () => ({ type: 'api_key', in: 'body', name: 'value.*.clientState' }),
  eventType: (_req, body) => str(body, 'value.0.lifecycleEvent') ?? str(body, 'value.0.changeType'),
  subject: (_req, body) => str(body, 'value.0.resource'),
  idempotencyKeys: [],
  handshake: graphValidationToken,
  // Graph expects 202 Accepted for notifications (and retries or drops subscriptions that answer slowly).
  response: () => ({ status: 202 }),
  sample: ({ secret, now }) => {
    const body = JSON.stringify({
      value: [
        {
          subscriptionId: randomUUID(),
          subscriptionExpirationDateTime: new Date(now + 3_600_000).toISOString(),
          changeType: 'created',
          resource: 'Users/sample-user/Messages/sample-message',
          clientState: secret,
          tenantId: randomUUID(),
        },
      ],
    });
    return { method: 'POST', contentType: JSON_CT, body, headers: { 'content-type': JSON_CT } };
  },
});

export const dropbox = defineProvider({
  id: 'dropbox',
  name: 'Dropbox',
  description:
    'Dropbox file-change notifications, HMAC-SHA256 (hex) of the body with the app secret; GET challenge answered.',
  docsUrl: 'https://www.dropbox.com/developers/reference/webhooks',
  requiredFields: ['secret'],
  optionalFields: [],
  secretChosenBy: 'provider',
  setupHints: [
    'App Console → your app → Webhooks → Add: this source’s ingest URL; the challenge GET is answered here.',
    'Secret: the app’s App secret (Settings tab).',
  ],
  verifier: () => ({ type: 'hmac', algorithm: 'sha256', encoding: 'hex', header: 'x-dropbox-signature' }),
  eventType: (_req, body) => (isObject(body) ? Object.keys(body)[0] : undefined),
  idempotencyKeys: [],
  handshake: dropboxChallenge,
  sample: ({ secret }) => {
    const body = JSON.stringify({ list_folder: { accounts: ['dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc'] } });
    return {
      method: 'POST',
      contentType: JSON_CT,
      body,
      headers: { 'content-type': JSON_CT, 'x-dropbox-signature': hmacOf('sha256', secret, body, 'hex') },
    };
  },
});

export const x = defineProvider({
  id: 'x',
  name: 'X (Twitter) Account Activity',
  description:
    'Account Activity webhooks, HMAC-SHA256 (base64) with the consumer secret; CRC challenge answered.',
  docsUrl: 'https://docs.x.com/x-api/webhooks/introduction',
  requiredFields: ['secret'],
  optionalFields: [],
  secretChosenBy: 'provider',
  setupHints: [
    'Register this source’s ingest URL as the webhook URL of your X app’s environment.',
    'Secret: the app’s API Key Secret (consumer secret); the CRC GET is answered with it.',
  ],
  verifier: () => ({
    type: 'hmac',
    algorithm: 'sha256',
    encoding: 'base64',
    header: 'x-twitter-webhooks-signature',
    prefix: 'sha256=',
  }),
  eventType: (_req, body) =>
    isObject(body) ? Object.keys(body).find((k) => k.endsWith('_events')) : undefined,
  subject: (_req, body) => str(body, 'for_user_id'),
  idempotencyKeys: [],
  handshake: xCrc,
  sample: ({ secret, now }) => {
    const body = JSON.stringify({
      for_user_id: '2244994945',
      favorite_events: [{ id: randomUUID(), created_at: new Date(now).toUTCString(), timestamp_ms: now }],
    });
    return {
      method: 'POST',
      contentType: JSON_CT,
      body,
      headers: {
        'content-type': JSON_CT,
        'x-twitter-webhooks-signature': `sha256=${hmacOf('sha256', secret, body, 'base64')}`,
      },
    };
  },
});

export const GOOGLE_CERTS_URL = 'https://www.googleapis.com/oauth2/v3/certs';

export const googlePubsub = defineProvider({
  id: 'google-pubsub',
  name: 'Google Cloud Pub/Sub (push)',
  description:
    'Pub/Sub push subscriptions with authentication: an RS256 OIDC token from Google, checked against its JWKS.',
  docsUrl: 'https://cloud.google.com/pubsub/docs/authenticate-push-subscriptions',
  requiredFields: ['audience', 'serviceAccountEmail'],
  optionalFields: ['jwksUrl'],
  secretChosenBy: null,
  setupHints: [
    'Create a push subscription with Endpoint URL = this source’s ingest URL and Enable authentication on.',
    'serviceAccountEmail: the service account the subscription signs as; audience: the audience set there (default: the endpoint URL).',
    'No secret: tokens are checked against Google’s published keys (jwksUrl, optional: another key set, such as one of your own for a test).',
  ],
  verifier: (options) => ({
    type: 'jwt',
    algorithms: ['RS256'],
    jwksUrl: optionalString(options, 'jwksUrl') ?? GOOGLE_CERTS_URL,
    audience: requiredString(options, 'audience'),
    issuer: ['https://accounts.google.com', 'accounts.google.com'],
    claims: { email: requiredString(options, 'serviceAccountEmail'), email_verified: true },
    maxTokenAgeSeconds: 86_400,
  }),
  eventType: (_req, body) =>
    str(body, 'message.attributes.eventType') ?? str(body, 'message.attributes.type'),
  subject: (_req, body) => str(body, 'subscription'),
  idempotencyKeys: ['body.message.messageId', 'body.message.message_id'],
  sample: ({ secret, url, now, options }) => {
    const messageId = String(now);
    const body = JSON.stringify({
      message: {
        attributes: { eventType: 'OBJECT_FINALIZE' },
        data: Buffer.from('{"hello":"world"}').toString('base64'),
        messageId,
        message_id: messageId,
        publishTime: new Date(now).toISOString(),
      },
      subscription: 'projects/sample-project/subscriptions/sample-push',
    });
    const audience = typeof options?.['audience'] === 'string' ? options['audience'] : url;
    const email =
      typeof options?.['serviceAccountEmail'] === 'string'
        ? options['serviceAccountEmail']
        : 'pusher@sample.iam.gserviceaccount.com';
    const token = signJwt(
      {
        iss: 'https://accounts.google.com',
        aud: audience,
        email,
        email_verified: true,
        sub: '1234567890',
        iat: seconds(now),
        exp: seconds(now) + 3600,
      },
      secret,
    );
    return {
      method: 'POST',
      contentType: JSON_CT,
      body,
      headers: { 'content-type': JSON_CT, authorization: `Bearer ${token}` },
    };
  },
});
