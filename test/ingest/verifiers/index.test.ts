// The verifier registry: config validation at save time, secret fields, secret checks and the test verdict.
import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import {
  createVerifier,
  secretFieldOf,
  secretRequired,
  validateSecret,
  verdictOf,
  VerifierConfigSchema,
  VERIFIER_TYPES,
  type VerifierConfig,
} from '../../../src/ingest/verifiers/index.js';
import { ed25519Keys, inbound } from '../fixtures.js';

const invalid = (config: unknown) => {
  try {
    createVerifier(config as VerifierConfig);
  } catch (err) {
    return err as { code: string; message: string; issues?: unknown };
  }
  throw new Error('expected createVerifier to throw');
};

describe('createVerifier', () => {
  it('rejects unknown types and malformed configs with EH_SOURCE_INVALID naming the field', () => {
    expect(invalid({ type: 'rot13' })).toMatchObject({
      code: 'EH_SOURCE_INVALID',
      message: expect.stringContaining('hmac'),
    });
    expect(invalid({ type: 'hmac', header: 'x', algorithm: 'md5' }).message).toContain('verifier/algorithm');
    expect(invalid({ type: 'hmac', header: 'x', color: 'red' }).message).toContain('verifier');
    expect(invalid({ type: 'api_key' }).message).toContain('name');
  });

  it('locates each problem once, under /verifier, worded as the HTTP validator words its own', () => {
    expect(invalid({ type: 'api_key' })).toMatchObject({
      message: '/verifier/name: is required',
      issues: [{ path: '/verifier/name', message: 'is required' }],
    });
    expect(invalid({ type: 'api_key', name: 'x-key', header: 'x', in: 'cookie' })).toMatchObject({
      issues: [
        { path: '/verifier/header', message: 'is not a known field' },
        { path: '/verifier/in', message: 'must be one of header, query, body' },
      ],
    });
    expect(invalid({ type: 'rot13' })).toMatchObject({
      issues: [{ path: '/verifier/type', message: expect.stringMatching(/^must be one of hmac, /) }],
    });
    expect(invalid({ type: 'hmac', header: 'x', signedContent: '{bodyy}' })).toMatchObject({
      issues: [{ path: '/verifier/signedContent', message: expect.stringContaining('unknown placeholder') }],
    });
  });

  it('rejects a signed-content template with unknown placeholders or stray braces', () => {
    expect(invalid({ type: 'hmac', header: 'x', signedContent: '{bodyy}' }).message).toContain(
      'unknown placeholder {bodyy}',
    );
    expect(invalid({ type: 'hmac', header: 'x', signedContent: '{body' }).message).toContain(
      'unbalanced brace',
    );
    expect(invalid({ type: 'hmac', header: 'x', signedContent: '{timestamp}.{body}' }).message).toContain(
      'no timestamp is configured',
    );
  });

  it('rejects contradictory signature locations', () => {
    expect(invalid({ type: 'hmac' }).message).toContain('exactly one of header and signatureBodyPath');
    expect(invalid({ type: 'hmac', header: 'a', signatureBodyPath: 'b' }).message).toContain('exactly one');
    const ts = { from: 'signature', name: 't', format: 'unix_seconds' };
    expect(invalid({ type: 'hmac', header: 'a', timestamp: ts }).message).toContain('needs signatureKey');
  });

  it('accepts every documented type, and the union schema describes each', () => {
    const configs: VerifierConfig[] = [
      { type: 'hmac', header: 'x-sig' },
      { type: 'standard_webhooks' },
      { type: 'ed25519', header: 'x-sig' },
      { type: 'ecdsa', header: 'x-sig' },
      { type: 'api_key', name: 'x-key' },
      { type: 'basic_auth', username: 'u' },
      { type: 'token' },
      { type: 'jwt', audience: 'a' },
      { type: 'none' },
    ];
    expect(configs.map((c) => c.type).sort()).toEqual([...VERIFIER_TYPES].sort());
    for (const c of configs) {
      expect(() => createVerifier(c)).not.toThrow();
      expect(Value.Check(VerifierConfigSchema, c)).toBe(true);
    }
  });

  it('fails closed: an unreadable key rejects instead of throwing or accepting', async () => {
    const v = createVerifier({ type: 'ed25519', header: 'x-sig' });
    // A secret that is not a key at all: the verifier must reject, not throw or accept.
    const res = await v.verify(inbound({ headers: { 'x-sig': 'ab'.repeat(64) } }), {
      now: 0,
      secrets: ['{not a key'],
    });
    expect(res).toMatchObject({ ok: false, reason: 'misconfigured' });
  });

  it('rejects every request when the source has no secret', async () => {
    for (const config of [
      { type: 'hmac', header: 'x' },
      { type: 'api_key', name: 'x' },
      { type: 'basic_auth', username: 'u' },
      { type: 'token' },
      { type: 'jwt' },
    ] as VerifierConfig[]) {
      const res = await createVerifier(config).verify(inbound({ headers: { x: 'v' } }), {
        now: 0,
        secrets: [],
      });
      expect(res, config.type).toMatchObject({ ok: false, reason: 'misconfigured' });
    }
  });
});

describe('secrets', () => {
  it('names the field each type takes its secret in', () => {
    expect(secretFieldOf('hmac')).toBe('secret');
    expect(secretFieldOf('standard_webhooks')).toBe('secret');
    expect(secretFieldOf('basic_auth')).toBe('password');
    expect(secretFieldOf('ed25519')).toBe('publicKey');
    expect(secretFieldOf('ecdsa')).toBe('publicKey');
    expect(secretFieldOf('jwt')).toBe('key');
    expect(secretFieldOf('api_key')).toBe('key');
    expect(secretFieldOf('token')).toBe('token');
    expect(secretFieldOf('none')).toBeNull();
    expect(secretRequired({ type: 'jwt', jwksUrl: 'https://x/certs' })).toBe(false);
    expect(secretRequired({ type: 'jwt' })).toBe(true);
    expect(secretRequired({ type: 'none' })).toBe(false);
  });

  it('checks secrets at save time without echoing them', () => {
    const bad = (config: VerifierConfig, secret: string, at?: string) => {
      try {
        validateSecret(config, secret, at);
        return undefined;
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(bad({ type: 'standard_webhooks' }, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toBeUndefined();
    expect(bad({ type: 'standard_webhooks' }, 'whsec_%%%secret%%%')).toMatch(/^\/secret: must be whsec_/);
    expect(bad({ type: 'standard_webhooks' }, 'whsec_%%%secret%%%')).not.toContain('%%%secret%%%');
    expect(bad({ type: 'ed25519', header: 'x' }, ed25519Keys().publicHex)).toBeUndefined();
    // Located where the secret was given: top level by default, or in the verifier's own field.
    expect(bad({ type: 'ed25519', header: 'x' }, 'deadbeef', '/verifier/publicKey')).toMatch(
      /^\/verifier\/publicKey: /,
    );
    expect(bad({ type: 'ecdsa', header: 'x' }, ed25519Keys().publicPem)).toContain('P-256');
    expect(bad({ type: 'hmac', header: 'x' }, '')).toContain('must not be empty');
    expect(bad({ type: 'hmac', header: 'x', secretEncoding: 'hex' }, 'xyz')).toContain('not valid hex');
  });
});

describe('verdictOf', () => {
  it('gives the test endpoint a verdict with the reason and detail', async () => {
    const req = inbound({ headers: {} });
    expect(await verdictOf({ type: 'hmac', header: 'x-sig' }, req, { now: 0, secrets: ['s'] })).toEqual({
      verified: false,
      verifierType: 'hmac',
      reason: 'missing_signature',
      detail: 'header x-sig is missing',
    });
    expect(await verdictOf({ type: 'none' }, req, { now: 0, secrets: [] })).toEqual({
      verified: true,
      verifierType: 'none',
    });
  });
});
