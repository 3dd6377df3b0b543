// The ed25519 verifier with keys in every form providers hand out, checked against Discord's official verifier.
import { sign } from 'node:crypto';
import { verifyKey } from 'discord-interactions';
import { describe, expect, it } from 'vitest';
import { createVerifier } from '../../../src/ingest/verifiers/index.js';
import { ed25519Keys, inbound } from '../fixtures.js';

const keys = ed25519Keys();
const NOW = Date.UTC(2026, 0, 1);
const TS = String(NOW / 1000);
const BODY = '{"type":2,"id":"1"}';
const signature = sign(null, Buffer.from(TS + BODY), keys.privatePem).toString('hex');
const verifier = createVerifier({
  type: 'ed25519',
  header: 'x-signature-ed25519',
  signedContent: '{timestamp}{body}',
  timestamp: { from: 'header', name: 'x-signature-timestamp', format: 'unix_seconds', toleranceSeconds: 300 },
});
const req = (sig = signature, body = BODY, ts = TS) =>
  inbound({ headers: { 'x-signature-ed25519': sig, 'x-signature-timestamp': ts }, body });

describe('ed25519 verifier', () => {
  it('accepts the signature with the public key as hex, base64, SPKI base64 and PEM', async () => {
    const raw = Buffer.from(keys.publicHex, 'hex');
    const spki = Buffer.from(keys.publicPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    for (const key of [keys.publicHex, raw.toString('base64'), spki.toString('base64'), keys.publicPem]) {
      expect(await verifier.verify(req(), { now: NOW, secrets: [key] })).toEqual({ ok: true });
    }
    expect(await verifyKey(BODY, signature, TS, keys.publicHex)).toBe(true);
  });

  it('rejects a tampered body, a foreign key and a bad signature', async () => {
    const ctx = { now: NOW, secrets: [keys.publicHex] };
    expect(await verifier.verify(req(signature, '{"type":2,"id":"2"}'), ctx)).toMatchObject({
      reason: 'no_matching_signature',
    });
    expect((await verifier.verify(req(), { now: NOW, secrets: [ed25519Keys().publicHex] })).ok).toBe(false);
    expect(await verifier.verify(req('00'.repeat(64)), ctx)).toMatchObject({
      reason: 'no_matching_signature',
    });
    expect(await verifier.verify(req('xyz'), ctx)).toMatchObject({ reason: 'bad_encoding' });
  });

  it('rejects a stale timestamp when a tolerance is set', async () => {
    const old = String(NOW / 1000 - 301);
    const sig = sign(null, Buffer.from(old + BODY), keys.privatePem).toString('hex');
    expect(await verifier.verify(req(sig, BODY, old), { now: NOW, secrets: [keys.publicHex] })).toMatchObject(
      {
        reason: 'stale_timestamp',
      },
    );
  });

  it('accepts when any of two keys matches (key rotation)', async () => {
    const other = ed25519Keys().publicHex;
    expect(await verifier.verify(req(), { now: NOW, secrets: [other, keys.publicHex] })).toEqual({
      ok: true,
    });
  });
});
