// Signing: the Standard Webhooks fixed vector, and signatures the official libraries accept.
import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { describe, expect, it } from 'vitest';
import { isEventhookError } from '../../src/core/index.js';
import { buildSignedHeaders, generateEndpointSecret, signPayload } from '../../src/delivery/index.js';

// From the Standard Webhooks libraries' unit tests (reference/providers.md).
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  msgId: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

const now = () => Math.floor(Date.now() / 1000);

/** A v1a verifier, since no official library implements Ed25519 (reference/providers.md). */
function verifyV1a(publicKey: string, msgId: string, ts: number, body: Buffer, header: string): boolean {
  const x = Buffer.from(publicKey.slice('whpk_'.length), 'base64').toString('base64url');
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
  const content = Buffer.concat([Buffer.from(`${msgId}.${ts}.`), body]);
  return header
    .split(' ')
    .filter((e) => e.startsWith('v1a,'))
    .some((e) => cryptoVerify(null, content, key, Buffer.from(e.slice(4), 'base64')));
}

describe('signPayload', () => {
  it('reproduces the Standard Webhooks fixed vector exactly', () => {
    expect(signPayload({ ...VECTOR, secrets: [VECTOR.secret] })).toBe(VECTOR.signature);
    expect(signPayload({ ...VECTOR, body: Buffer.from(VECTOR.body), secrets: [VECTOR.secret] })).toBe(
      VECTOR.signature,
    );
  });

  it('produces what standardwebhooks itself signs, for fresh secrets', () => {
    const { secret } = generateEndpointSecret();
    const ts = now();
    const ours = signPayload({ msgId: 'msg_abc', timestamp: ts, body: '{"a":"é"}', secrets: [secret] });
    expect(ours).toBe(new StandardWebhook(secret).sign('msg_abc', new Date(ts * 1000), '{"a":"é"}'));
  });

  it('puts one entry per secret, separated by single spaces, in the order given', () => {
    const a = generateEndpointSecret().secret;
    const b = generateEndpointSecret().secret;
    const both = signPayload({ msgId: 'msg_1', timestamp: 1, body: 'x', secrets: [a, b] });
    const only = (s: string) => signPayload({ msgId: 'msg_1', timestamp: 1, body: 'x', secrets: [s] });
    expect(both).toBe(`${only(a)} ${only(b)}`);
  });

  it('signs the exact bytes, including bodies that are not valid UTF-8', () => {
    const { secret } = generateEndpointSecret();
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x41]);
    const sig = signPayload({ msgId: 'msg_1', timestamp: 1, body: bytes, secrets: [secret] });
    // The UTF-8 string these bytes decode to is different bytes, so its signature must differ.
    expect(sig).not.toBe(
      signPayload({ msgId: 'msg_1', timestamp: 1, body: bytes.toString('utf8'), secrets: [secret] }),
    );
    const { secret: ed, publicKey } = generateEndpointSecret('ed25519');
    const edSig = signPayload({ msgId: 'msg_1', timestamp: 1, body: bytes, secrets: [ed] });
    expect(verifyV1a(publicKey!, 'msg_1', 1, bytes, edSig)).toBe(true);
  });

  it('signs v1a with Ed25519 secrets, alongside v1 entries', () => {
    const hmac = generateEndpointSecret().secret;
    const { secret: ed, publicKey } = generateEndpointSecret('ed25519');
    const body = Buffer.from('{"type":"order.created"}');
    const ts = now();
    const header = signPayload({ msgId: 'msg_2', timestamp: ts, body, secrets: [hmac, ed] });
    const [v1, v1a] = header.split(' ');
    expect(v1).toMatch(/^v1,/);
    expect(v1a).toMatch(/^v1a,[A-Za-z0-9+/]{86}==$/); // 64-byte signature
    expect(verifyV1a(publicKey!, 'msg_2', ts, body, header)).toBe(true);
    expect(verifyV1a(publicKey!, 'msg_2', ts + 1, body, header)).toBe(false);
    expect(verifyV1a(generateEndpointSecret('ed25519').publicKey!, 'msg_2', ts, body, header)).toBe(false);
    // The official verifier skips v1a and still accepts the v1 entry.
    expect(
      new StandardWebhook(hmac).verify(body, {
        'webhook-id': 'msg_2',
        'webhook-timestamp': String(ts),
        'webhook-signature': header,
      }),
    ).toEqual({
      type: 'order.created',
    });
  });

  it('refuses a message id containing "." and unknown secret formats, naming the field', () => {
    const secret = generateEndpointSecret().secret;
    expect(() => signPayload({ msgId: 'msg.1', timestamp: 1, body: '', secrets: [secret] })).toThrow(
      /\/msgId/,
    );
    let caught: unknown;
    try {
      signPayload({ msgId: 'msg_1', timestamp: 1, body: '', secrets: [secret, 'sk_live_nope'] });
    } catch (err) {
      caught = err;
    }
    expect(isEventhookError(caught, 'EH_ENDPOINT_INVALID')).toBe(true);
    expect((caught as Error).message).toContain('/secrets/1');
    expect(() => signPayload({ msgId: 'msg_1', timestamp: 1, body: '', secrets: [] })).toThrow(/\/secrets/);
  });
});

describe('buildSignedHeaders', () => {
  it('webhook-* headers verify with standardwebhooks and svix', () => {
    const { secret } = generateEndpointSecret();
    const body = '{"type":"invoice.paid","data":{"id":1}}';
    const headers = buildSignedHeaders({ msgId: 'msg_x', timestamp: now(), body, secrets: [secret] });
    expect(Object.keys(headers).sort()).toEqual(['webhook-id', 'webhook-signature', 'webhook-timestamp']);
    expect(new StandardWebhook(secret).verify(body, headers)).toEqual({
      type: 'invoice.paid',
      data: { id: 1 },
    });
    expect(new SvixWebhook(secret).verify(body, headers)).toEqual({ type: 'invoice.paid', data: { id: 1 } });
  });

  it('svix-* headers verify with svix, and a changed body does not', () => {
    const { secret } = generateEndpointSecret();
    const body = '{"n":1}';
    const headers = buildSignedHeaders({
      msgId: 'msg_y',
      timestamp: now(),
      body,
      secrets: [secret],
      headerStyle: 'svix',
    });
    expect(Object.keys(headers).sort()).toEqual(['svix-id', 'svix-signature', 'svix-timestamp']);
    expect(new SvixWebhook(secret).verify(body, headers)).toEqual({ n: 1 });
    expect(() => new SvixWebhook(secret).verify('{"n":2}', headers)).toThrow(/No matching signature/);
  });
});
