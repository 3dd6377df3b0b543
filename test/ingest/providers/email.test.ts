// SendGrid (checked by @sendgrid/eventwebhook) and Mailgun (node:crypto; its signature covers timestamp + token).
import { createHmac, sign } from 'node:crypto';
import { EventWebhook } from '@sendgrid/eventwebhook';
import { describe, expect, it } from 'vitest';
import { bodyDigest } from '../../helpers/ingest.js';
import { inbound, p256Keys, tamper, URL_BASE } from '../fixtures.js';
import { extracted, provider, verifyAs } from './provider-harness.js';

const JSON_CT = { 'content-type': 'application/json' };

describe('sendgrid', () => {
  const keys = p256Keys();
  const now = Date.now();
  const ts = String(Math.floor(now / 1000));
  const BODY =
    '[{"email":"a@example.com","event":"delivered","sg_event_id":"e1"},{"email":"b@example.com","event":"open","sg_event_id":"e2"}]\r\n';
  const req = (sig: string, body = BODY, t = ts) =>
    inbound({
      headers: {
        ...JSON_CT,
        'x-twilio-email-event-webhook-signature': sig,
        'x-twilio-email-event-webhook-timestamp': t,
      },
      body,
    });
  const sig = (t = ts, body = BODY) =>
    sign('sha256', Buffer.from(t + body), keys.privatePem).toString('base64');

  it('accepts what EventWebhook.verifySignature accepts, rejects tampering and a foreign key', async () => {
    const ew = new EventWebhook();
    expect(ew.verifySignature(ew.convertPublicKeyToECDSA(keys.publicBase64Der), BODY, sig(), ts)).toBe(true);
    expect(await verifyAs('sendgrid', req(sig()), [keys.publicBase64Der], { now })).toEqual({ ok: true });
    expect((await verifyAs('sendgrid', tamper(req(sig())), [keys.publicBase64Der], { now })).ok).toBe(false);
    expect((await verifyAs('sendgrid', req(sig()), [p256Keys().publicBase64Der], { now })).ok).toBe(false);
  });

  it('rejects a timestamp older than 300 s, or than toleranceSeconds', async () => {
    const at = (age: number) => String(Math.floor(now / 1000) - age);
    const signedAt = (ts: string) => req(sig(ts), BODY, ts);
    const key = [keys.publicBase64Der];
    expect(await verifyAs('sendgrid', signedAt(at(299)), key, { now })).toEqual({ ok: true });
    expect(await verifyAs('sendgrid', signedAt(at(3600)), key, { now })).toMatchObject({
      reason: 'stale_timestamp',
    });
    const lenient = { now, options: { toleranceSeconds: 7200 } };
    expect(await verifyAs('sendgrid', signedAt(at(3600)), key, lenient)).toEqual({ ok: true });
  });

  it('its sample passes EventWebhook; a mixed batch is typed "batch" and keyed by its bytes', () => {
    const s = provider('sendgrid').sample({ secret: keys.privatePem, url: URL_BASE, now });
    const ew = new EventWebhook();
    const pk = ew.convertPublicKeyToECDSA(keys.publicBase64Der);
    const h = s.headers;
    expect(
      ew.verifySignature(
        pk,
        s.body,
        h['x-twilio-email-event-webhook-signature'] ?? '',
        h['x-twilio-email-event-webhook-timestamp'] ?? '',
      ),
    ).toBe(true);
    // A batch has no id of its own; its exact bytes are its key.
    expect(extracted('sendgrid', req(sig()))).toMatchObject({ type: 'batch', key: bodyDigest(BODY) });
    const single = '[{"event":"bounce","sg_event_id":"e3"},{"event":"bounce","sg_event_id":"e4"}]';
    expect(extracted('sendgrid', req(sig(ts, single), single)).type).toBe('bounce');
  });
});

describe('mailgun', () => {
  const KEY = 'key-signing-0123456789';
  const mailgunBody = (timestamp: string, token: string, signature: string) =>
    JSON.stringify({
      signature: { timestamp, token, signature },
      'event-data': { id: 'CPgfbmQMTCKtHW6uIWtuVe', event: 'delivered', recipient: 'alice@example.com' },
    });
  const signed = (timestamp: string, token = 'tok-1', key = KEY) =>
    mailgunBody(
      timestamp,
      token,
      createHmac('sha256', key)
        .update(timestamp + token)
        .digest('hex'),
    );
  const req = (body: string) => inbound({ headers: JSON_CT, body });
  const now = Date.now();
  const ts = String(Math.floor(now / 1000));

  it('accepts the body-carried signature over timestamp + token, rejects a forged token or key', async () => {
    expect(await verifyAs('mailgun', req(signed(ts)), [KEY], { now })).toEqual({ ok: true });
    const forged = JSON.parse(signed(ts)) as { signature: { token: string } };
    forged.signature.token = 'tok-2';
    expect((await verifyAs('mailgun', req(JSON.stringify(forged)), [KEY], { now })).ok).toBe(false);
    expect((await verifyAs('mailgun', req(signed(ts, 'tok-1', 'other')), [KEY], { now })).ok).toBe(false);
    expect(await verifyAs('mailgun', req('{"event-data":{}}'), [KEY], { now })).toMatchObject({
      reason: 'missing_signature',
    });
  });

  it('rejects a timestamp older than 12 hours, or than toleranceSeconds', async () => {
    const at = (age: number) => String(Math.floor(now / 1000) - age);
    expect(await verifyAs('mailgun', req(signed(at(12 * 3600 - 1))), [KEY], { now })).toEqual({ ok: true });
    expect(await verifyAs('mailgun', req(signed(at(12 * 3600 + 1))), [KEY], { now })).toMatchObject({
      reason: 'stale_timestamp',
    });
    const strict = { now, options: { toleranceSeconds: 600 } };
    expect(await verifyAs('mailgun', req(signed(at(900))), [KEY], strict)).toMatchObject({
      reason: 'stale_timestamp',
    });
  });

  it('types by event-data.event and dedups on event-data.id; its sample verifies', async () => {
    expect(extracted('mailgun', req(signed(ts)))).toMatchObject({
      type: 'delivered',
      key: 'CPgfbmQMTCKtHW6uIWtuVe',
    });
    const s = provider('mailgun').sample({ secret: KEY, url: URL_BASE, now });
    const sample = JSON.parse(s.body) as {
      signature: { timestamp: string; token: string; signature: string };
    };
    const expected = createHmac('sha256', KEY)
      .update(sample.signature.timestamp + sample.signature.token)
      .digest('hex');
    expect(sample.signature.signature).toBe(expected);
  });
});
