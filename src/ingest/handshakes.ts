// Challenge handshakes answered exactly as each provider requires (SPEC §4.4). Unsigned challenges run before
// verification and reveal nothing; signed ones run after it. Echoed text is served as text/plain with nosniff.
import { createHmac } from 'node:crypto';
import type { JsonValue } from '../core/index.js';
import { stringAtPath, valueAtPath } from './body-path.js';
import { headerOf, mediaTypeOf, queryOf } from './inbound-request.js';
import type { Handshake, HandshakeResponse } from './providers/types.js';
import { secretsEqual } from './verifiers/constant-time.js';

const TEXT = { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' };
const JSON_TYPE = { 'content-type': 'application/json' };
const MAX_CHALLENGE = 1024;

const text = (body: string, status = 200): HandshakeResponse => ({ status, headers: { ...TEXT }, body });
const json = (value: JsonValue): HandshakeResponse => ({
  status: 200,
  headers: { ...JSON_TYPE },
  body: JSON.stringify(value),
});

/** Slack Events API: a signed POST {type: "url_verification", challenge} is answered with the challenge. */
export const slackUrlVerification: Handshake = {
  phase: 'after',
  respond(_req, body) {
    if (stringAtPath(body, 'type') !== 'url_verification') return undefined;
    const challenge = stringAtPath(body, 'challenge');
    return challenge === undefined ? undefined : json({ challenge: challenge.slice(0, MAX_CHALLENGE) });
  },
};

/**
 * Slack checks the certificate of a slash-command URL with an unsigned form POST `ssl_check=1&token=…` and wants
 * a 200. It carries no data, so it is answered before verification and stored nowhere.
 */
export const slackSslCheck: Handshake = {
  phase: 'before',
  respond(req) {
    if (req.method !== 'POST' || headerOf(req, 'x-slack-signature') !== undefined) return undefined;
    if (mediaTypeOf(headerOf(req, 'content-type')) !== 'application/x-www-form-urlencoded') return undefined;
    return new URLSearchParams(req.rawBody.toString('utf8')).get('ssl_check') === '1' ? text('') : undefined;
  },
};

/**
 * Meta (WhatsApp, Messenger, Instagram) subscription check: GET ?hub.mode=subscribe&hub.verify_token=…&
 * hub.challenge=…; the challenge is echoed when the token equals the source's `verifyToken` option, else 403.
 */
export const metaVerifyChallenge: Handshake = {
  phase: 'before',
  respond(req, _body, ctx) {
    if (req.method !== 'GET' || queryOf(req, 'hub.mode') === undefined) return undefined;
    const expected = ctx.options['verifyToken'];
    const given = queryOf(req, 'hub.verify_token') ?? '';
    const challenge = queryOf(req, 'hub.challenge') ?? '';
    const ok =
      queryOf(req, 'hub.mode') === 'subscribe' &&
      typeof expected === 'string' &&
      expected !== '' &&
      secretsEqual(given, expected);
    return ok ? text(challenge.slice(0, MAX_CHALLENGE)) : text('verify token mismatch', 403);
  },
};

/**
 * Zoom: signed POST event endpoint.url_validation → {plainToken, encryptedToken: hex HMAC-SHA256(secret, plainToken)}.
 * Zoom signs this request (its own sample verifies first). Answering before verification would be a signing oracle:
 * plainToken "v0:{ts}:{body}" would return a valid signature for any body.
 */
export const zoomUrlValidation: Handshake = {
  phase: 'after',
  respond(_req, body, ctx) {
    if (stringAtPath(body, 'event') !== 'endpoint.url_validation') return undefined;
    const plainToken = stringAtPath(body, 'payload.plainToken');
    const secret = ctx.secrets[0];
    if (plainToken === undefined || secret === undefined) return undefined;
    const encryptedToken = createHmac('sha256', secret).update(plainToken).digest('hex');
    return json({ plainToken, encryptedToken });
  },
};

/** Twitch EventSub: signed message type webhook_callback_verification → 200 text/plain with the challenge. */
export const twitchCallbackVerification: Handshake = {
  phase: 'after',
  respond(req, body) {
    if (headerOf(req, 'twitch-eventsub-message-type') !== 'webhook_callback_verification') return undefined;
    const challenge = stringAtPath(body, 'challenge');
    return challenge === undefined ? undefined : text(challenge.slice(0, MAX_CHALLENGE));
  },
};

/** Microsoft Graph: POST ?validationToken=… on subscription create/renew → 200 text/plain, the decoded token. */
export const graphValidationToken: Handshake = {
  phase: 'before',
  respond(req) {
    const token = queryOf(req, 'validationToken');
    return token === undefined ? undefined : text(token.slice(0, MAX_CHALLENGE));
  },
};

/**
 * Discord: a signed interaction PING ({type: 1}) gets {type: 1} (PONG); a signed webhook-event PING
 * ({type: 0}, no event) gets 204.
 */
export const discordPing: Handshake = {
  phase: 'after',
  respond(_req, body) {
    const type = valueAtPath(body, ['type']);
    const hasEvent = valueAtPath(body, ['event']) !== undefined;
    if (type === 1 && !hasEvent) return json({ type: 1 });
    if (type === 0 && !hasEvent) return { status: 204, headers: {}, body: '' };
    return undefined;
  },
};

/** Dropbox: GET ?challenge=… → the challenge echoed as text/plain (nosniff, as Dropbox asks). */
export const dropboxChallenge: Handshake = {
  phase: 'before',
  respond(req) {
    if (req.method !== 'GET') return undefined;
    const challenge = queryOf(req, 'challenge');
    return challenge === undefined ? undefined : text(challenge.slice(0, MAX_CHALLENGE));
  },
};

/**
 * X (Twitter) CRC: GET ?crc_token=… → {response_token: "sha256=" + base64 HMAC-SHA256(consumer secret, token)}.
 * The CRC is unauthenticated and uses the key that signs POST bodies, so it is a signing oracle by design. Only
 * token-shaped values are answered (base64 characters, 8–256 long, at least one letter); such a string can still be
 * a form body (`a=b`), a text body or a JSON number (`12345678e0`), so the source also accepts only JSON objects
 * (`signsCallerContent`), which no token can be: a token has no `{`.
 */
const CRC_TOKEN = /^(?=.*[A-Za-z])[A-Za-z0-9+/=_-]{8,256}$/;

export const xCrc: Handshake = {
  phase: 'before',
  signsCallerContent: true,
  respond(req, _body, ctx) {
    if (req.method !== 'GET') return undefined;
    const token = queryOf(req, 'crc_token');
    const secret = ctx.secrets[0];
    if (token === undefined || secret === undefined) return undefined;
    if (!CRC_TOKEN.test(token)) return text('crc_token is not a token', 400);
    const digest = createHmac('sha256', secret).update(token).digest('base64');
    return json({ response_token: `sha256=${digest}` });
  },
};

/**
 * WooCommerce: saving a webhook sends an unsigned POST whose whole form body is `webhook_id=<n>`, and the save
 * fails unless it gets a 2xx. It carries no data, so answering 200 (and storing nothing) reveals nothing.
 */
export const wooCommercePing: Handshake = {
  phase: 'before',
  respond(req) {
    if (req.method !== 'POST' || headerOf(req, 'x-wc-webhook-signature') !== undefined) return undefined;
    return /^webhook_id=\d{1,20}$/.test(req.rawBody.toString('latin1').trim()) ? text('') : undefined;
  },
};
