// Endpoint secrets: generation, parsing, and rotation with a grace period during which both secrets sign.
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { ManualClock, isEventhookError } from '../../src/core/index.js';
import {
  activeSecrets,
  buildSignedHeaders,
  generateEndpointSecret,
  parseEndpointSecret,
  publicKeyForSecret,
  rotateSecrets,
} from '../../src/delivery/index.js';

const HOUR = 3_600_000;

describe('generateEndpointSecret', () => {
  it('makes distinct whsec_ secrets of 24 random bytes that the official library accepts', () => {
    const a = generateEndpointSecret();
    const b = generateEndpointSecret();
    expect(a.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(a.secret).not.toBe(b.secret);
    expect(a.publicKey).toBeUndefined();
    const parsed = parseEndpointSecret(a.secret);
    expect(parsed.kind === 'hmac' && parsed.key.length).toBe(24);
    expect(() => new StandardWebhook(a.secret)).not.toThrow();
  });

  it('makes Ed25519 pairs whose whpk_ matches the whsk_', () => {
    const { secret, publicKey } = generateEndpointSecret('ed25519');
    expect(secret).toMatch(/^whsk_/);
    expect(publicKey).toMatch(/^whpk_/);
    expect(Buffer.from(publicKey!.slice(5), 'base64')).toHaveLength(32);
    expect(publicKeyForSecret(secret)).toBe(publicKey);
  });
});

describe('parseEndpointSecret', () => {
  it('accepts unpadded base64, as the reference libraries do', () => {
    const parsed = parseEndpointSecret('whsec_' + Buffer.alloc(25, 7).toString('base64').replace(/=+$/, ''));
    expect(parsed.kind === 'hmac' && parsed.key.equals(Buffer.alloc(25, 7))).toBe(true);
  });

  it.each([
    ['no prefix', 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', /whsec_ .* or whsk_/],
    ['too short', 'whsec_' + Buffer.alloc(8).toString('base64'), /24–64 bytes, got 8/],
    ['not base64', 'whsec_%%%%', /not valid base64/],
    ['wrong Ed25519 length', 'whsk_' + Buffer.alloc(16).toString('base64'), /32-byte Ed25519 seed/],
  ])('refuses %s with a located message', (_name, secret, message) => {
    let caught: unknown;
    try {
      parseEndpointSecret(secret, '/secrets/2');
    } catch (err) {
      caught = err;
    }
    expect(isEventhookError(caught, 'EH_ENDPOINT_INVALID')).toBe(true);
    expect((caught as Error).message).toMatch(/^\/secrets\/2: /);
    expect((caught as Error).message).toMatch(message);
  });
});

describe('rotateSecrets', () => {
  it('keeps the old secret signing for the grace period, then only the new one', () => {
    const clock = new ManualClock();
    const first = generateEndpointSecret().secret;
    const initial = [{ secret: first, createdAt: clock.now() }];
    clock.advance(HOUR);
    const { secrets, created } = rotateSecrets(initial, clock, { graceMs: 24 * HOUR });
    expect(created.secret).toMatch(/^whsec_/);
    expect(activeSecrets(secrets, clock.now())).toEqual([created.secret, first]);

    // During the grace period a receiver holding either secret verifies the delivery.
    const body = '{"type":"ping"}';
    const headers = buildSignedHeaders({
      msgId: 'msg_rot',
      timestamp: Math.floor(Date.now() / 1000),
      body,
      secrets: activeSecrets(secrets, clock.now()),
    });
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(new StandardWebhook(first).verify(body, headers)).toEqual({ type: 'ping' });
    expect(new StandardWebhook(created.secret).verify(body, headers)).toEqual({ type: 'ping' });

    clock.advance(24 * HOUR - 1);
    expect(activeSecrets(secrets, clock.now())).toHaveLength(2);
    clock.advance(1);
    expect(activeSecrets(secrets, clock.now())).toEqual([created.secret]);
  });

  it('a second rotation drops expired secrets and never extends an earlier expiry; grace 0 retires at once', () => {
    const clock = new ManualClock();
    const s0 = [{ secret: generateEndpointSecret().secret, createdAt: clock.now() }];
    const r1 = rotateSecrets(s0, clock, { graceMs: 10 * HOUR });
    clock.advance(2 * HOUR);
    const r2 = rotateSecrets(r1.secrets, clock, { graceMs: 24 * HOUR });
    expect(r2.secrets.map((s) => s.expiresAt)).toEqual([
      s0[0]!.createdAt + 10 * HOUR,
      clock.now() + 24 * HOUR,
      undefined,
    ]);
    clock.advance(9 * HOUR);
    const r3 = rotateSecrets(r2.secrets, clock, { graceMs: 0 });
    expect(r3.secrets).toHaveLength(3); // s0 dropped: expired at 10 h
    // A zero grace period retires every earlier secret at once.
    expect(activeSecrets(r3.secrets, clock.now())).toEqual([r3.created.secret]);
  });

  it('accepts a given secret, and returns the public key when it is Ed25519', () => {
    const clock = new ManualClock();
    const ed = generateEndpointSecret('ed25519');
    const r = rotateSecrets([], clock, { secret: ed.secret });
    expect(r.created).toEqual(ed);
    expect(() => rotateSecrets([], clock, { secret: 'whsec_short' })).toThrow(/\/secret: /);
  });
});
