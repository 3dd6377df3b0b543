// Loads the public keys asymmetric verifiers are given, in the forms providers hand them out: Discord's hex,
// Standard Webhooks' base64, SendGrid's base64 SPKI DER, or PEM. Anything unreadable is undefined (fail closed).
import { createPublicKey, type KeyObject } from 'node:crypto';
import { decodeStrict } from './constant-time.js';

// DER SubjectPublicKeyInfo header for a raw 32-byte Ed25519 key (RFC 8410).
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

const NAMED_CURVES = { 'P-256': 'prime256v1', 'P-384': 'secp384r1' } as const;
export type EcCurve = keyof typeof NAMED_CURVES;

/** An Ed25519 public key from PEM, 64 hex characters, or base64 of the raw 32 bytes or of SPKI DER. */
export function loadEd25519PublicKey(text: string): KeyObject | undefined {
  return cached(`ed25519:${text}`, () => {
    const key = loadAny(text, (raw) => (raw.length === 32 ? Buffer.concat([ED25519_SPKI_PREFIX, raw]) : raw));
    return key?.asymmetricKeyType === 'ed25519' ? key : undefined;
  });
}

/** An EC public key on `curve` from PEM or base64/hex SPKI DER (SendGrid's verification key). */
export function loadEcPublicKey(text: string, curve: EcCurve): KeyObject | undefined {
  return cached(`${curve}:${text}`, () => {
    const key = loadAny(text, (raw) => raw);
    if (key?.asymmetricKeyType !== 'ec') return undefined;
    return key.asymmetricKeyDetails?.namedCurve === NAMED_CURVES[curve] ? key : undefined;
  });
}

// Parsing a key costs far more than a verification; keys are public, so a small cache is safe.
const CACHE = new Map<string, KeyObject | undefined>();
const CACHE_SIZE = 256;

function cached(id: string, load: () => KeyObject | undefined): KeyObject | undefined {
  if (CACHE.has(id)) return CACHE.get(id);
  const key = load();
  if (CACHE.size >= CACHE_SIZE) CACHE.delete(CACHE.keys().next().value as string);
  CACHE.set(id, key);
  return key;
}

function loadAny(text: string, toSpki: (raw: Buffer) => Buffer): KeyObject | undefined {
  const trimmed = text.trim();
  try {
    if (trimmed.startsWith('-----BEGIN')) return createPublicKey(trimmed);
    const raw = decodeStrict(trimmed, 'hex') ?? decodeStrict(trimmed, 'base64');
    if (raw === undefined) return undefined;
    return createPublicKey({ key: toSpki(raw), format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
}
