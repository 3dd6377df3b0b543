// The ecdsa verifier (P-256, DER and raw signatures), checked against SendGrid's official verifier.
import { sign } from 'node:crypto';
import { EventWebhook } from '@sendgrid/eventwebhook';
import { describe, expect, it } from 'vitest';
import { createVerifier } from '../../../src/ingest/verifiers/index.js';
import { inbound, p256Keys } from '../fixtures.js';

const keys = p256Keys();
const TS = '1767225600';
const BODY = '[{"event":"delivered","sg_event_id":"e1"}]\r\n';
const der = sign('sha256', Buffer.from(TS + BODY), keys.privatePem).toString('base64');
const config = {
  type: 'ecdsa' as const,
  header: 'x-sig',
  signedContent: '{timestamp}{body}',
  timestamp: { from: 'header' as const, name: 'x-ts', format: 'unix_seconds' as const },
};
const req = (sig: string, body = BODY) => inbound({ headers: { 'x-sig': sig, 'x-ts': TS }, body });
const ctx = { now: 0, secrets: [keys.publicBase64Der] };

describe('ecdsa verifier', () => {
  it('accepts a DER signature that SendGrid’s verifier also accepts', async () => {
    const ew = new EventWebhook();
    expect(ew.verifySignature(ew.convertPublicKeyToECDSA(keys.publicBase64Der), BODY, der, TS)).toBe(true);
    expect(await createVerifier(config).verify(req(der), ctx)).toEqual({ ok: true });
  });

  it('accepts raw r||s signatures when configured, and PEM keys', async () => {
    const raw = sign('sha256', Buffer.from(TS + BODY), {
      key: keys.privatePem,
      dsaEncoding: 'ieee-p1363',
    }).toString('base64');
    const v = createVerifier({ ...config, signatureFormat: 'raw' });
    expect(await v.verify(req(raw), ctx)).toEqual({ ok: true });
    expect((await v.verify(req(der), ctx)).ok).toBe(false);
    const pem = `-----BEGIN PUBLIC KEY-----\n${keys.publicBase64Der}\n-----END PUBLIC KEY-----`;
    expect(await createVerifier(config).verify(req(der), { now: 0, secrets: [pem] })).toEqual({ ok: true });
  });

  it('rejects a tampered body, a foreign key and garbage', async () => {
    const v = createVerifier(config);
    expect(await v.verify(req(der, BODY.replace('e1', 'e2')), ctx)).toMatchObject({
      reason: 'no_matching_signature',
    });
    expect((await v.verify(req(der), { now: 0, secrets: [p256Keys().publicBase64Der] })).ok).toBe(false);
    expect(await v.verify(req(Buffer.from('not der').toString('base64')), ctx)).toMatchObject({
      reason: 'no_matching_signature',
    });
  });

  it('refuses a key on another curve (fail closed)', async () => {
    const v = createVerifier({ ...config, curve: 'P-384' });
    expect(await v.verify(req(der), ctx)).toMatchObject({ reason: 'misconfigured' });
  });
});
