// The standard_webhooks verifier against the spec's fixed vector and the official standardwebhooks and svix signers.
import { generateKeyPairSync, sign } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { describe, expect, it } from 'vitest';
import { createVerifier, standardWebhooksSignature } from '../../../src/ingest/verifiers/index.js';
import { inbound } from '../fixtures.js';

// The vector every Standard Webhooks library repeats in its tests (reference/providers.md).
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const TS = 1614265330;
const PAYLOAD = '{"test": 2432232314}';
const EXPECTED = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';

const verifier = createVerifier({ type: 'standard_webhooks' });
const at = (seconds: number) => seconds * 1000;

function request(signature: string, opts: { prefix?: string; id?: string; ts?: number; body?: string } = {}) {
  const p = opts.prefix ?? 'webhook';
  return inbound({
    headers: {
      'content-type': 'application/json',
      [`${p}-id`]: opts.id ?? ID,
      [`${p}-timestamp`]: String(opts.ts ?? TS),
      [`${p}-signature`]: signature,
    },
    body: opts.body ?? PAYLOAD,
  });
}

describe('standard_webhooks verifier', () => {
  it('reproduces the fixed vector exactly and accepts it', async () => {
    expect(standardWebhooksSignature(SECRET, ID, TS, PAYLOAD)).toBe(EXPECTED);
    expect(await verifier.verify(request(EXPECTED), { now: at(TS), secrets: [SECRET] })).toEqual({
      ok: true,
    });
  });

  it('accepts the secret without the whsec_ prefix, and unpadded', async () => {
    const bare = SECRET.slice('whsec_'.length);
    expect(await verifier.verify(request(EXPECTED), { now: at(TS), secrets: [bare] })).toEqual({ ok: true });
    const unpaddedKey = Buffer.from('0123456789abcdef01234567').toString('base64').replace(/=+$/, '');
    const sig = new Webhook(unpaddedKey).sign(ID, new Date(at(TS)), PAYLOAD);
    expect(await verifier.verify(request(sig), { now: at(TS), secrets: [`whsec_${unpaddedKey}`] })).toEqual({
      ok: true,
    });
  });

  it('accepts requests signed by standardwebhooks and by svix (svix-* headers)', async () => {
    const now = Date.now();
    const id = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';
    const ts = Math.floor(now / 1000);
    const body = '{"type":"user.created","data":{"id":"u1"}}';
    const sw = new Webhook(SECRET).sign(id, new Date(ts * 1000), body);
    expect(await verifier.verify(request(sw, { id, ts, body }), { now, secrets: [SECRET] })).toEqual({
      ok: true,
    });
    const sv = new SvixWebhook(SECRET).sign(id, new Date(ts * 1000), body);
    expect(
      await verifier.verify(request(sv, { id, ts, body, prefix: 'svix' }), { now, secrets: [SECRET] }),
    ).toEqual({
      ok: true,
    });
  });

  it('rejects a tampered body, id or timestamp', async () => {
    const ctx = { now: at(TS), secrets: [SECRET] };
    expect(await verifier.verify(request(EXPECTED, { body: '{"test": 2432232315}' }), ctx)).toMatchObject({
      ok: false,
      reason: 'no_matching_signature',
    });
    expect((await verifier.verify(request(EXPECTED, { id: 'msg_other' }), ctx)).ok).toBe(false);
    expect(
      (await verifier.verify(request(EXPECTED, { ts: TS + 1 }), { now: at(TS), secrets: [SECRET] })).ok,
    ).toBe(false);
  });

  it('rejects timestamps more than 5 minutes too old or too new', async () => {
    const ctx = (now: number) => ({ now, secrets: [SECRET] });
    expect((await verifier.verify(request(EXPECTED), ctx(at(TS + 300)))).ok).toBe(true);
    expect(await verifier.verify(request(EXPECTED), ctx(at(TS + 301)))).toMatchObject({
      reason: 'stale_timestamp',
    });
    expect(await verifier.verify(request(EXPECTED), ctx(at(TS - 301)))).toMatchObject({
      reason: 'stale_timestamp',
    });
  });

  it('accepts when any of several space-separated signatures matches any secret (rotation)', async () => {
    const other = 'whsec_' + Buffer.from('another-secret-of-24-byte').toString('base64');
    const header = `v1,${Buffer.alloc(32).toString('base64')} ${EXPECTED}`;
    expect(await verifier.verify(request(header), { now: at(TS), secrets: [other, SECRET] })).toEqual({
      ok: true,
    });
    expect((await verifier.verify(request(header), { now: at(TS), secrets: [other] })).ok).toBe(false);
  });

  it('says precisely what is missing or malformed', async () => {
    const ctx = { now: at(TS), secrets: [SECRET] };
    const noSig = inbound({ headers: { 'webhook-id': ID, 'webhook-timestamp': String(TS) }, body: PAYLOAD });
    expect(await verifier.verify(noSig, ctx)).toMatchObject({ reason: 'missing_signature' });
    const noTs = inbound({ headers: { 'webhook-id': ID, 'webhook-signature': EXPECTED }, body: PAYLOAD });
    expect(await verifier.verify(noTs, ctx)).toMatchObject({ reason: 'missing_timestamp' });
    const noId = inbound({
      headers: { 'webhook-timestamp': String(TS), 'webhook-signature': EXPECTED },
      body: PAYLOAD,
    });
    expect(await verifier.verify(noId, ctx)).toMatchObject({ reason: 'missing_header' });
    expect(await verifier.verify(request('v2,abc'), ctx)).toMatchObject({ reason: 'bad_encoding' });
    expect(await verifier.verify(request(EXPECTED, { ts: 'soon' as unknown as number }), ctx)).toMatchObject({
      reason: 'bad_encoding',
    });
  });

  it('fails closed without a usable secret', async () => {
    expect(await verifier.verify(request(EXPECTED), { now: at(TS), secrets: [] })).toMatchObject({
      reason: 'misconfigured',
    });
    expect(await verifier.verify(request(EXPECTED), { now: at(TS), secrets: ['whsec_!!!'] })).toMatchObject({
      reason: 'misconfigured',
    });
  });

  it('verifies v1a Ed25519 signatures against a whpk_ public key', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
    const whpk = `whpk_${raw.toString('base64')}`;
    const sig = sign(null, Buffer.from(`${ID}.${TS}.${PAYLOAD}`), privateKey).toString('base64');
    expect(await verifier.verify(request(`v1a,${sig}`), { now: at(TS), secrets: [whpk] })).toEqual({
      ok: true,
    });
    expect(
      (await verifier.verify(request(`v1a,${sig}`, { body: '{}' }), { now: at(TS), secrets: [whpk] })).ok,
    ).toBe(false);
    // a v1a signature never satisfies a symmetric secret, nor v1 a public key
    expect((await verifier.verify(request(`v1a,${sig}`), { now: at(TS), secrets: [SECRET] })).ok).toBe(false);
    expect((await verifier.verify(request(EXPECTED), { now: at(TS), secrets: [whpk] })).ok).toBe(false);
  });

  it('honours a fixed header prefix and a custom tolerance', async () => {
    const svixOnly = createVerifier({
      type: 'standard_webhooks',
      headerPrefix: 'svix',
      toleranceSeconds: 10,
    });
    expect(await svixOnly.verify(request(EXPECTED), { now: at(TS), secrets: [SECRET] })).toMatchObject({
      reason: 'missing_signature',
    });
    expect(
      (await svixOnly.verify(request(EXPECTED, { prefix: 'svix' }), { now: at(TS + 10), secrets: [SECRET] }))
        .ok,
    ).toBe(true);
    expect(
      await svixOnly.verify(request(EXPECTED, { prefix: 'svix' }), { now: at(TS + 11), secrets: [SECRET] }),
    ).toMatchObject({
      reason: 'stale_timestamp',
    });
  });
});
