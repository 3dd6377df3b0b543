// Slack (checked by Bolt's verifySlackRequest), Discord (discord-interactions verifyKey), Twilio (twilio's own
// signer and validators), Meta (octokit-format signature) and Intercom (node:crypto).
import { createHmac, sign } from 'node:crypto';
import { sign as octokitSign } from '@octokit/webhooks-methods';
import { verifySlackRequest } from '@slack/bolt';
import { verifyKey } from 'discord-interactions';
import twilioSdk from 'twilio';
import { describe, expect, it } from 'vitest';
import { ed25519Keys, inbound, tamper, URL_BASE } from '../fixtures.js';
import { extracted, provider, verifyAs } from './provider-harness.js';

const JSON_CT = { 'content-type': 'application/json' };
const FORM_CT = { 'content-type': 'application/x-www-form-urlencoded' };

describe('slack', () => {
  const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
  const now = Date.now();
  const ts = Math.floor(now / 1000);
  const slackSig = (body: string, t = ts) =>
    `v0=${createHmac('sha256', SECRET).update(`v0:${t}:${body}`).digest('hex')}`;
  const req = (body: string, ct = JSON_CT, t = ts) =>
    inbound({
      headers: { ...ct, 'x-slack-request-timestamp': String(t), 'x-slack-signature': slackSig(body, t) },
      body,
    });
  const EVENT = JSON.stringify({
    type: 'event_callback',
    team_id: 'T1',
    event_id: 'Ev1',
    event: { type: 'app_mention', text: 'hi' },
  });

  it('accepts exactly what Bolt’s verifySlackRequest accepts', async () => {
    const r = req(EVENT);
    const headers = {
      'x-slack-signature': r.headers['x-slack-signature'] ?? '',
      'x-slack-request-timestamp': ts,
    };
    expect(() =>
      verifySlackRequest({ signingSecret: SECRET, body: EVENT, headers, nowMilliseconds: now }),
    ).not.toThrow();
    expect(await verifyAs('slack', r, [SECRET], { now })).toEqual({ ok: true });
    expect((await verifyAs('slack', tamper(r), [SECRET], { now })).ok).toBe(false);
  });

  it('rejects a timestamp older than 5 minutes, as Bolt does', async () => {
    const old = ts - 301;
    const r = req(EVENT, JSON_CT, old);
    const headers = {
      'x-slack-signature': r.headers['x-slack-signature'] ?? '',
      'x-slack-request-timestamp': old,
    };
    expect(() =>
      verifySlackRequest({ signingSecret: SECRET, body: EVENT, headers, nowMilliseconds: now }),
    ).toThrow();
    expect(await verifyAs('slack', r, [SECRET], { now })).toMatchObject({ reason: 'stale_timestamp' });
  });

  it('verifies form-encoded slash commands over the raw form string', async () => {
    const form = 'token=x&team_id=T1&command=%2Fweather&text=94070';
    expect(await verifyAs('slack', req(form, FORM_CT), [SECRET], { now })).toEqual({ ok: true });
    expect(extracted('slack', req(form, FORM_CT)).type).toBe('slash_command');
    const interactive = `payload=${encodeURIComponent('{"type":"block_actions","team":{"id":"T1"}}')}`;
    expect(extracted('slack', req(interactive, FORM_CT))).toMatchObject({
      type: 'block_actions',
      subject: 'T1',
    });
  });

  it('types event callbacks by the inner event and dedups on event_id; its sample passes Bolt', () => {
    expect(extracted('slack', req(EVENT))).toMatchObject({ type: 'app_mention', subject: 'T1', key: 'Ev1' });
    const s = provider('slack').sample({ secret: SECRET, url: URL_BASE, now });
    const headers = {
      'x-slack-signature': s.headers['x-slack-signature'] ?? '',
      'x-slack-request-timestamp': ts,
    };
    expect(() =>
      verifySlackRequest({ signingSecret: SECRET, body: s.body, headers, nowMilliseconds: now }),
    ).not.toThrow();
  });
});

describe('discord', () => {
  const keys = ed25519Keys();
  const now = Date.now();
  const ts = String(Math.floor(now / 1000));
  const BODY = '{"type":2,"id":"111","guild_id":"222","data":{"name":"hello"}}';
  const sig = (body = BODY, t = ts) => sign(null, Buffer.from(t + body), keys.privatePem).toString('hex');
  const req = (s: string, body = BODY) =>
    inbound({ headers: { ...JSON_CT, 'x-signature-ed25519': s, 'x-signature-timestamp': ts }, body });

  it('accepts what discord-interactions verifyKey accepts, rejects its deliberate bad signatures', async () => {
    expect(await verifyKey(BODY, sig(), ts, keys.publicHex)).toBe(true);
    expect(await verifyAs('discord', req(sig()), [keys.publicHex], { now })).toEqual({ ok: true });
    const bad = sig('{"type":1}');
    expect(await verifyKey(BODY, bad, ts, keys.publicHex)).toBe(false);
    expect(await verifyAs('discord', req(bad), [keys.publicHex], { now })).toMatchObject({
      reason: 'no_matching_signature',
    });
    expect((await verifyAs('discord', tamper(req(sig())), [keys.publicHex], { now })).ok).toBe(false);
  });

  it('its sample passes verifyKey; interactions are typed by name', async () => {
    const s = provider('discord').sample({ secret: keys.privatePem, url: URL_BASE, now });
    expect(
      await verifyKey(
        s.body,
        s.headers['x-signature-ed25519'] ?? '',
        s.headers['x-signature-timestamp'] ?? '',
        keys.publicHex,
      ),
    ).toBe(true);
    expect(extracted('discord', req(sig()))).toMatchObject({
      type: 'application_command',
      subject: '222',
      key: '111',
    });
  });

  it('rejects a timestamp older than 300 s, or than toleranceSeconds', async () => {
    const at = (age: number) => {
      const ts = String(Math.floor(now / 1000) - age);
      return inbound({
        headers: { ...JSON_CT, 'x-signature-ed25519': sig(BODY, ts), 'x-signature-timestamp': ts },
        body: BODY,
      });
    };
    const old = at(600);
    expect(await verifyAs('discord', at(299), [keys.publicHex], { now })).toEqual({ ok: true });
    expect(await verifyAs('discord', old, [keys.publicHex], { now })).toMatchObject({
      reason: 'stale_timestamp',
    });
    expect(
      await verifyAs('discord', old, [keys.publicHex], { now, options: { toleranceSeconds: 900 } }),
    ).toEqual({ ok: true });
  });
});

describe('twilio', () => {
  const TOKEN = '12345';
  const URL = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const params = {
    CallSid: 'CA1234567890ABCDE',
    Caller: '+12349013030',
    Digits: '1234',
    From: '+12349013030',
    To: '+18005551212',
  };
  const form = new URLSearchParams(params).toString();
  const req = (signature: string, url = URL, body = form, ct = FORM_CT) =>
    inbound({
      url,
      headers: { ...ct, 'x-twilio-signature': signature, 'i-twilio-idempotency-token': 'idem-7' },
      body,
    });

  it('accepts a form request signed by twilio.getExpectedTwilioSignature, rejects a changed parameter', async () => {
    const signature = twilioSdk.getExpectedTwilioSignature(TOKEN, URL, params);
    expect(await verifyAs('twilio', req(signature), [TOKEN])).toEqual({ ok: true });
    expect((await verifyAs('twilio', req(signature, URL, form.replace('1234', '9999')), [TOKEN])).ok).toBe(
      false,
    );
    expect(
      (await verifyAs('twilio', req(signature, 'https://mycompany.com/myapp.php?foo=1'), [TOKEN])).ok,
    ).toBe(false);
  });

  it('accepts the URL with or without the default port, as twilio’s validator does', async () => {
    const signature = twilioSdk.getExpectedTwilioSignature(
      TOKEN,
      'https://mycompany.com:443/myapp.php?foo=1&bar=2',
      params,
    );
    expect(await verifyAs('twilio', req(signature), [TOKEN])).toEqual({ ok: true });
  });

  it('checks JSON bodies through bodySHA256', async () => {
    const body = '{"property": "value", "boolean": true}';
    const url = `https://mycompany.com/myapp.php?bodySHA256=${twilioSdk.getExpectedBodyHash(body)}`;
    const signature = twilioSdk.getExpectedTwilioSignature(TOKEN, url, {});
    expect(twilioSdk.validateRequestWithBody(TOKEN, signature, url, body)).toBe(true);
    expect(await verifyAs('twilio', req(signature, url, body, JSON_CT), [TOKEN])).toEqual({ ok: true });
    expect(
      await verifyAs('twilio', req(signature, url, body.replace('true', 'false'), JSON_CT), [TOKEN]),
    ).toMatchObject({
      reason: 'no_matching_signature',
    });
  });

  it('supports SharedKey HMAC-SHA256 and a configured public URL', async () => {
    const signature = twilioSdk.getExpectedTwilioSignature(TOKEN, URL, params, 'HMAC_SHA256');
    expect(await verifyAs('twilio', req(signature), [TOKEN], { options: { algorithm: 'sha256' } })).toEqual({
      ok: true,
    });
    const behindProxy = req(
      twilioSdk.getExpectedTwilioSignature(TOKEN, URL, params),
      'http://internal:8080/in/t',
    );
    expect(await verifyAs('twilio', behindProxy, [TOKEN], { options: { url: URL } })).toEqual({ ok: true });
  });

  it('its sample passes twilio.validateRequest; types and dedup follow Twilio', () => {
    const s = provider('twilio').sample({ secret: TOKEN, url: URL, now: Date.now() });
    const sampleParams = Object.fromEntries(new URLSearchParams(s.body));
    expect(twilioSdk.validateRequest(TOKEN, s.headers['x-twilio-signature'] ?? '', URL, sampleParams)).toBe(
      true,
    );
    expect(extracted('twilio', req('x'))).toMatchObject({ subject: 'CA1234567890ABCDE', key: 'idem-7' });
    const status = req('x', URL, 'MessageSid=SM1&MessageStatus=delivered&SmsStatus=delivered');
    expect(extracted('twilio', status)).toMatchObject({ type: 'message.delivered', subject: 'SM1' });
  });
});

describe('meta', () => {
  const SECRET = 'app-secret';
  const BODY =
    '{"object":"whatsapp_business_account","entry":[{"id":"WABA","changes":[{"field":"messages","value":{"messages":[{"id":"wamid.1","text":{"body":"Gr\\u00fc\\u00dfe"}}]}}]}]}';
  const options = { verifyToken: 'vt' };
  const req = (sig: string, body = BODY) =>
    inbound({ headers: { ...JSON_CT, 'x-hub-signature-256': sig }, body });

  it('accepts the octokit-format signature over the escaped raw bytes', async () => {
    expect(await verifyAs('meta', req(await octokitSign(SECRET, BODY)), [SECRET], { options })).toEqual({
      ok: true,
    });
    const reserialised = JSON.stringify(JSON.parse(BODY));
    expect(
      (await verifyAs('meta', req(await octokitSign(SECRET, BODY), reserialised), [SECRET], { options })).ok,
    ).toBe(false);
  });

  it('needs a verifyToken; types by object and field; dedups inbound messages', () => {
    expect(() => provider('meta').verifier({})).toThrow(/verifyToken/);
    expect(extracted('meta', req('x'))).toMatchObject({
      type: 'whatsapp_business_account.messages',
      subject: 'WABA',
      key: 'wamid.1',
    });
  });
});

describe('intercom', () => {
  const SECRET = 'client-secret';
  const BODY =
    '{"type":"notification_event","id":"notif_1","topic":"conversation.user.created","data":{"item":{"id":"147"}}}';
  const req = (sig: string) => inbound({ headers: { ...JSON_CT, 'x-hub-signature': sig }, body: BODY });

  it('accepts HMAC-SHA1 sha1= signatures, rejects tampering', async () => {
    const sig = `sha1=${createHmac('sha1', SECRET).update(BODY).digest('hex')}`;
    expect(await verifyAs('intercom', req(sig), [SECRET])).toEqual({ ok: true });
    expect((await verifyAs('intercom', tamper(req(sig)), [SECRET])).ok).toBe(false);
    expect(extracted('intercom', req(sig))).toMatchObject({
      type: 'conversation.user.created',
      subject: '147',
      key: 'notif_1',
    });
  });
});
