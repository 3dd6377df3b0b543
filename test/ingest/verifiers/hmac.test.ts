// The hmac verifier's building blocks, each tested through createVerifier with node:crypto signatures.
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createVerifier, type HmacConfig } from '../../../src/ingest/verifiers/index.js';
import { inbound } from '../fixtures.js';

const SECRET = 'shared-secret';
const BODY = '{"id":"evt_1","amount":100}';
const NOW = Date.UTC(2026, 0, 1, 12);
const ctx = { now: NOW, secrets: [SECRET] };
const mac = (alg: string, data: string, enc: 'hex' | 'base64', key = SECRET) =>
  createHmac(alg, key).update(data).digest(enc);

async function check(
  config: Omit<HmacConfig, 'type'>,
  headers: Record<string, string>,
  body = BODY,
  secrets = [SECRET],
) {
  return createVerifier({ type: 'hmac', ...config }).verify(inbound({ headers, body }), {
    now: NOW,
    secrets,
  });
}

describe('hmac verifier', () => {
  it.each(['sha1', 'sha256', 'sha512'] as const)('verifies %s in hex and base64', async (algorithm) => {
    for (const encoding of ['hex', 'base64'] as const) {
      const sig = mac(algorithm, BODY, encoding);
      expect(await check({ algorithm, encoding, header: 'X-Sig' }, { 'x-sig': sig })).toEqual({ ok: true });
      const other = algorithm === 'sha1' ? 'sha256' : 'sha1';
      expect((await check({ algorithm: other, encoding, header: 'X-Sig' }, { 'x-sig': sig })).ok).toBe(false);
    }
  });

  it('takes the algorithm from an algorithmHeader when it names one (Twilio SharedKey)', async () => {
    const config = { algorithm: 'sha1', algorithmHeader: 'X-Settings', header: 'x-sig' } as const;
    const sha256 = { 'x-sig': mac('sha256', BODY, 'hex') };
    const named = (value: string) => ({ ...sha256, 'x-settings': value });
    expect(await check(config, named('key=k1, algorithm=HMAC_SHA256'))).toEqual({ ok: true });
    expect(await check(config, named('algorithm=hmac_sha256'))).toEqual({ ok: true });
    // No header, or one without an algorithm: the configured algorithm.
    expect(await check(config, sha256)).toMatchObject({ reason: 'no_matching_signature' });
    expect(await check(config, named('key=k1'))).toMatchObject({ reason: 'no_matching_signature' });
    expect(await check(config, { 'x-sig': mac('sha1', BODY, 'hex'), 'x-settings': 'key=k1' })).toEqual({
      ok: true,
    });
    expect(await check(config, named('algorithm=HMAC_SHA512'))).toMatchObject({ reason: 'bad_encoding' });
  });

  it('rejects a tampered body and a wrong secret', async () => {
    const headers = { 'x-sig': mac('sha256', BODY, 'hex') };
    expect(await check({ header: 'x-sig' }, headers, BODY.replace('100', '900'))).toMatchObject({
      ok: false,
      reason: 'no_matching_signature',
    });
    expect((await check({ header: 'x-sig' }, headers, BODY, ['other'])).ok).toBe(false);
  });

  it('requires the prefix: a bare signature fails', async () => {
    const sig = mac('sha256', BODY, 'hex');
    expect(await check({ header: 'x-sig', prefix: 'sha256=' }, { 'x-sig': `sha256=${sig}` })).toEqual({
      ok: true,
    });
    expect(await check({ header: 'x-sig', prefix: 'sha256=' }, { 'x-sig': sig })).toMatchObject({
      reason: 'bad_encoding',
    });
  });

  it('reports a missing header and bad encoding precisely, without the secret', async () => {
    const missing = await check({ header: 'x-sig' }, {});
    expect(missing).toMatchObject({ reason: 'missing_signature', detail: 'header x-sig is missing' });
    const bad = await check({ header: 'x-sig' }, { 'x-sig': 'zz-not-hex' });
    expect(bad).toMatchObject({ reason: 'bad_encoding' });
    const wrong = await check({ header: 'x-sig' }, { 'x-sig': mac('sha256', BODY, 'hex', 'nope') });
    expect(JSON.stringify(wrong)).not.toContain(SECRET);
  });

  it('accepts any of several signatures in one header, against any secret (rotation grace)', async () => {
    const header = `v1=${mac('sha256', BODY, 'hex', 'old')},v1=${mac('sha256', BODY, 'hex', 'new')}`;
    const cfg = { header: 'x-sig', separator: ',', prefix: 'v1=' };
    expect(await check(cfg, { 'x-sig': header }, BODY, ['new'])).toEqual({ ok: true });
    expect(await check(cfg, { 'x-sig': header }, BODY, ['old'])).toEqual({ ok: true });
    expect((await check(cfg, { 'x-sig': header }, BODY, ['neither'])).ok).toBe(false);
    expect(
      await check({ header: 'x-sig' }, { 'x-sig': mac('sha256', BODY, 'hex', 'old') }, BODY, ['new', 'old']),
    ).toEqual({
      ok: true,
    });
  });

  it('reads key=value headers with a signed timestamp and checks freshness', async () => {
    const t = Math.floor(NOW / 1000) - 100;
    const cfg = {
      header: 'sig',
      signatureKey: 'v1',
      signedContent: '{timestamp}.{body}',
      timestamp: {
        from: 'signature' as const,
        name: 't',
        format: 'unix_seconds' as const,
        toleranceSeconds: 300,
      },
    };
    const good = `t=${t},v0=ignored,v1=${mac('sha256', `${t}.${BODY}`, 'hex')}`;
    expect(await check(cfg, { sig: good })).toEqual({ ok: true });
    const old = t - 300;
    expect(await check(cfg, { sig: `t=${old},v1=${mac('sha256', `${old}.${BODY}`, 'hex')}` })).toMatchObject({
      reason: 'stale_timestamp',
    });
    // The timestamp is signed: moving it breaks the signature.
    expect((await check(cfg, { sig: good.replace(`t=${t}`, `t=${t + 1}`) })).ok).toBe(false);
    expect(await check(cfg, { sig: `v1=${mac('sha256', BODY, 'hex')}` })).toMatchObject({
      reason: 'missing_timestamp',
    });
    expect(await check(cfg, { sig: `t=${t}` })).toMatchObject({ reason: 'missing_signature' });
  });

  it('reads timestamps from a header (rfc3339 and ms) and from the body', async () => {
    const iso = new Date(NOW - 5000).toISOString();
    const rfc = {
      header: 'sig',
      signedContent: '{header.x-id}{timestamp}{body}',
      timestamp: { from: 'header' as const, name: 'X-TS', format: 'rfc3339' as const, toleranceSeconds: 600 },
    };
    const sig = mac('sha256', `id1${iso}${BODY}`, 'hex');
    expect(await check(rfc, { sig, 'x-ts': iso, 'x-id': 'id1' })).toEqual({ ok: true });
    expect(await check(rfc, { sig, 'x-ts': iso })).toMatchObject({
      reason: 'missing_header',
      detail: 'header x-id is missing',
    });
    expect(await check(rfc, { sig, 'x-ts': 'yesterday', 'x-id': 'id1' })).toMatchObject({
      reason: 'bad_encoding',
    });

    const body = JSON.stringify({ webhookTimestamp: NOW - 61_000, data: 1 });
    const inBody = {
      header: 'sig',
      timestamp: {
        from: 'body' as const,
        name: 'webhookTimestamp',
        format: 'unix_ms' as const,
        toleranceSeconds: 60,
      },
    };
    expect(
      await check(inBody, { sig: mac('sha256', body, 'hex'), 'content-type': 'application/json' }, body),
    ).toMatchObject({
      reason: 'stale_timestamp',
    });
  });

  it('signs method and URL, trying the URL with and without its default port', async () => {
    const cfg = { header: 'sig', encoding: 'base64' as const, signedContent: '{method}{url}{body}' };
    const url = 'https://hooks.example.com/in/x?a=1';
    const withPort = 'https://hooks.example.com:443/in/x?a=1';
    const req = (sig: string) => inbound({ url, headers: { sig }, body: BODY });
    const v = createVerifier({ type: 'hmac', ...cfg });
    expect(await v.verify(req(mac('sha256', `POST${url}${BODY}`, 'base64')), ctx)).toEqual({ ok: true });
    expect(await v.verify(req(mac('sha256', `POST${withPort}${BODY}`, 'base64')), ctx)).toEqual({ ok: true });
    expect((await v.verify(req(mac('sha256', `GET${url}${BODY}`, 'base64')), ctx)).ok).toBe(false);
    const fixed = createVerifier({ type: 'hmac', ...cfg, url: 'https://public.example.com/hook' });
    expect(
      await fixed.verify(req(mac('sha256', `POSThttps://public.example.com/hook${BODY}`, 'base64')), ctx),
    ).toEqual({
      ok: true,
    });
  });

  it('checks a body hash carried in the query (Twilio bodySHA256)', async () => {
    const hash = createHash('sha256').update(BODY).digest('hex');
    const url = `https://hooks.example.com/in/x?bodySHA256=${hash}`;
    const v = createVerifier({
      type: 'hmac',
      algorithm: 'sha1',
      encoding: 'base64',
      header: 'sig',
      signedContent: '{url}{form.sorted}',
      bodyHashParam: 'bodySHA256',
    });
    const sig = mac('sha1', url, 'base64');
    const req = (body: string) =>
      inbound({ url, headers: { sig, 'content-type': 'application/json' }, body });
    expect(await v.verify(req(BODY), ctx)).toEqual({ ok: true });
    expect(await v.verify(req(BODY.replace('100', '101')), ctx)).toMatchObject({
      reason: 'no_matching_signature',
    });
  });

  it('takes the signature and signed fields from the body (Mailgun style)', async () => {
    const sigOf = (ts: string, token: string) => mac('sha256', ts + token, 'hex');
    const cfg = {
      signatureBodyPath: 'signature.signature',
      signedContent: '{body.signature.timestamp}{body.signature.token}',
    };
    const body = (sig: string) =>
      JSON.stringify({ signature: { timestamp: '1700000000', token: 'tok', signature: sig }, event: 'x' });
    const json = { 'content-type': 'application/json' };
    expect(await check(cfg, json, body(sigOf('1700000000', 'tok')))).toEqual({ ok: true });
    expect((await check(cfg, json, body(sigOf('1700000000', 'other')))).ok).toBe(false);
    expect(await check(cfg, json, '{"event":"x"}')).toMatchObject({ reason: 'missing_signature' });
  });

  it('decodes base64 and hex secrets when told to', async () => {
    const key = Buffer.from('raw-key-bytes');
    const sig = createHmac('sha256', key).update(BODY).digest('hex');
    expect(
      await check({ header: 'sig', secretEncoding: 'base64' }, { sig }, BODY, [key.toString('base64')]),
    ).toEqual({ ok: true });
    expect(
      await check({ header: 'sig', secretEncoding: 'hex' }, { sig }, BODY, [key.toString('hex')]),
    ).toEqual({ ok: true });
    expect(await check({ header: 'sig', secretEncoding: 'hex' }, { sig }, BODY, ['not hex'])).toMatchObject({
      reason: 'misconfigured',
    });
  });

  it('verifies the raw bytes, not a re-serialisation', async () => {
    const raw = '{"b":1,  "a":"\\u00e4"}';
    const sig = mac('sha256', raw, 'hex');
    expect(await check({ header: 'sig' }, { sig, 'content-type': 'application/json' }, raw)).toEqual({
      ok: true,
    });
    expect((await check({ header: 'sig' }, { sig }, JSON.stringify(JSON.parse(raw)))).ok).toBe(false);
  });
});
