// Endpoint signing secrets: generating whsec_ (HMAC) and whsk_/whpk_ (Ed25519) keys, parsing them, and rotation.
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { EventhookError, type Clock } from '../core/index.js';

export const HMAC_SECRET_PREFIX = 'whsec_';
export const ED25519_SECRET_PREFIX = 'whsk_';
export const ED25519_PUBLIC_PREFIX = 'whpk_';
/** Svix generates 24-byte secrets; the Standard Webhooks spec allows 24 to 64. */
export const HMAC_SECRET_BYTES = 24;
const HMAC_MIN_BYTES = 24;
const HMAC_MAX_BYTES = 64;
/** How long a rotated-out secret keeps signing, so receivers can switch over without dropping messages. */
export const DEFAULT_ROTATION_GRACE_MS = 24 * 60 * 60 * 1000;

export type SecretKind = 'hmac' | 'ed25519';

/** A secret decoded for signing. `hmac.key` is the base64-decoded whsec_ body; `ed25519.privateKey` is ready for crypto.sign. */
export type ParsedSecret = { kind: 'hmac'; key: Buffer } | { kind: 'ed25519'; privateKey: KeyObject };

/** A newly made secret: `secret` is shown to the user once; `publicKey` (whpk_) only exists for Ed25519. */
export interface GeneratedSecret {
  secret: string;
  publicKey?: string;
}

// PKCS#8 DER prefix for an Ed25519 private key; followed by the 32-byte seed. Lets us keep whsk_ as the bare seed.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** A fresh random secret. HMAC: `whsec_` + base64 of 24 random bytes. Ed25519: `whsk_` seed + `whpk_` public key. */
export function generateEndpointSecret(kind: SecretKind = 'hmac'): GeneratedSecret {
  if (kind === 'hmac')
    return { secret: HMAC_SECRET_PREFIX + randomBytes(HMAC_SECRET_BYTES).toString('base64') };
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url');
  return { secret: ED25519_SECRET_PREFIX + seed.toString('base64'), publicKey: publicKeyOf(publicKey) };
}

/**
 * Decodes a whsec_ or whsk_ secret, or throws EH_ENDPOINT_INVALID naming `path`. whsk_ holds the 32-byte seed;
 * a 64-byte value (seed followed by public key, libsodium's layout) is accepted too, since the spec leaves it open.
 */
export function parseEndpointSecret(secret: string, path = '/secrets'): ParsedSecret {
  if (secret.startsWith(HMAC_SECRET_PREFIX)) {
    const key = decodeBase64(secret.slice(HMAC_SECRET_PREFIX.length), path);
    if (key.length < HMAC_MIN_BYTES || key.length > HMAC_MAX_BYTES) {
      throw bad(
        path,
        `a whsec_ secret must decode to ${HMAC_MIN_BYTES}–${HMAC_MAX_BYTES} bytes, got ${key.length}`,
      );
    }
    return { kind: 'hmac', key };
  }
  if (secret.startsWith(ED25519_SECRET_PREFIX)) {
    const raw = decodeBase64(secret.slice(ED25519_SECRET_PREFIX.length), path);
    if (raw.length !== 32 && raw.length !== 64) {
      throw bad(path, `a whsk_ secret must decode to a 32-byte Ed25519 seed, got ${raw.length} bytes`);
    }
    const der = Buffer.concat([ED25519_PKCS8_PREFIX, raw.subarray(0, 32)]);
    return { kind: 'ed25519', privateKey: createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }) };
  }
  throw bad(path, 'a secret must start with whsec_ (HMAC-SHA256) or whsk_ (Ed25519)');
}

/** The whpk_ public key matching a whsk_ secret: what the endpoint owner gives receivers to verify v1a. */
export function publicKeyForSecret(secret: string): string {
  const parsed = parseEndpointSecret(secret);
  if (parsed.kind !== 'ed25519') throw bad('/secrets', 'only whsk_ secrets have a public key');
  return publicKeyOf(createPublicKey(parsed.privateKey));
}

function publicKeyOf(key: KeyObject): string {
  return (
    ED25519_PUBLIC_PREFIX + Buffer.from(key.export({ format: 'jwk' }).x ?? '', 'base64url').toString('base64')
  );
}

function decodeBase64(text: string, path: string): Buffer {
  // Standard base64, padding optional (the reference libraries accept unpadded secrets).
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) throw bad(path, 'the secret is not valid base64');
  return Buffer.from(text, 'base64');
}

function bad(path: string, reason: string): EventhookError {
  return new EventhookError(
    'EH_ENDPOINT_INVALID',
    { message: `${path}: ${reason}` },
    { issues: [{ path, message: reason }] },
  );
}

/**
 * One signing secret of an endpoint as stored. Invariant: `secret` is a valid whsec_/whsk_ value; `expiresAt` is
 * unset while the secret is current and set (to the end of the grace period) once a rotation replaced it.
 */
export interface EndpointSecret {
  secret: string;
  createdAt: number;
  expiresAt?: number;
}

/** The secrets that still sign at `now`, newest first (so the current secret's signature comes first). */
export function activeSecrets(secrets: readonly EndpointSecret[], now: number): string[] {
  // Reversed first so that, with equal createdAt, the later-added secret still comes first (sort is stable).
  return [...secrets]
    .reverse()
    .filter((s) => s.expiresAt === undefined || s.expiresAt > now)
    .sort((a, b) => b.createdAt - a.createdAt)
    .map((s) => s.secret);
}

/**
 * Rotation: every current secret gets `expiresAt = now + graceMs` (earlier expiries are kept), expired ones are
 * dropped, and a new secret (generated, or the one given) is appended. Both sign until the grace period ends.
 */
export function rotateSecrets(
  secrets: readonly EndpointSecret[],
  clock: Clock,
  opts: { graceMs?: number; kind?: SecretKind; secret?: string } = {},
): { secrets: EndpointSecret[]; created: GeneratedSecret } {
  const now = clock.now();
  const graceMs = opts.graceMs ?? DEFAULT_ROTATION_GRACE_MS;
  if (!(graceMs >= 0)) throw bad('/graceMs', 'must be a non-negative number of milliseconds');
  let created: GeneratedSecret;
  if (opts.secret !== undefined) {
    const parsed = parseEndpointSecret(opts.secret, '/secret');
    created = {
      secret: opts.secret,
      ...(parsed.kind === 'ed25519' ? { publicKey: publicKeyForSecret(opts.secret) } : {}),
    };
  } else {
    created = generateEndpointSecret(opts.kind ?? 'hmac');
  }
  const kept = secrets
    .filter((s) => s.expiresAt === undefined || s.expiresAt > now)
    .map((s) => ({ ...s, expiresAt: Math.min(s.expiresAt ?? Infinity, now + graceMs) }));
  return { secrets: [...kept, { secret: created.secret, createdAt: now }], created };
}
