// Constant-time comparison and strict decoding of signatures. Buffer.from(x, 'hex') silently drops bad input,
// so decoding checks the alphabet first: a malformed signature is a precise rejection, not a short key.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Compares two digests in constant time. Digest lengths are public (they follow from the algorithm), so
 * unequal lengths may return early.
 */
export function digestsEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

// Secrets of unknown length (API keys, passwords, tokens) are compared through an HMAC under a per-process
// key: both sides become 32 bytes, so neither the content nor the length of the secret leaks through timing.
const COMPARE_KEY = randomBytes(32);

export function secretsEqual(given: string, expected: string): boolean {
  const a = createHmac('sha256', COMPARE_KEY).update(given, 'utf8').digest();
  const b = createHmac('sha256', COMPARE_KEY).update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** True when `given` equals any of `secrets`; every secret is compared, so timing does not say which matched. */
export function matchesAnySecret(given: string, secrets: readonly string[]): boolean {
  let found = false;
  for (const secret of secrets) if (secretsEqual(given, secret)) found = true;
  return found;
}

export type SignatureEncoding = 'hex' | 'base64';

const HEX = /^(?:[0-9a-fA-F]{2})+$/;
// Standard and URL-safe alphabets, padding optional.
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** Decodes a signature strictly; undefined when it is not valid in `encoding`. */
export function decodeStrict(value: string, encoding: SignatureEncoding): Buffer | undefined {
  if (encoding === 'hex') return HEX.test(value) ? Buffer.from(value, 'hex') : undefined;
  if (!BASE64.test(value) || value.replace(/=+$/, '').length % 4 === 1) return undefined;
  return Buffer.from(value, 'base64');
}
