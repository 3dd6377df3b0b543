// Small shared pieces for provider templates: option reading with precise errors, body lookups for event types,
// and the signing primitives their sample requests use.
import { createHmac, createPrivateKey, sign } from 'node:crypto';
import { EventhookError, type JsonValue } from '../../core/index.js';
import { stringAtPath, valueAtPath } from '../body-path.js';
import type { ProviderTemplate } from './types.js';

export { stringAtPath as str };

function invalidOption(name: string, reason: string): EventhookError {
  return new EventhookError(
    'EH_SOURCE_INVALID',
    { message: `options.${name} ${reason}` },
    { issues: [{ path: `/options/${name}`, message: reason }] },
  );
}

/** A required non-empty string option. */
export function requiredString(options: Record<string, unknown>, name: string): string {
  const value = options[name];
  if (typeof value !== 'string' || value.trim() === '')
    throw invalidOption(name, 'is required (a non-empty string)');
  return value;
}

export function optionalString(options: Record<string, unknown>, name: string): string | undefined {
  const value = options[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '')
    throw invalidOption(name, 'must be a non-empty string');
  return value;
}

export function optionalNumber(
  options: Record<string, unknown>,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const value = options[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw invalidOption(name, `must be a number from ${min} to ${max}`);
  }
  return value;
}

export function optionalChoice<T extends string>(
  options: Record<string, unknown>,
  name: string,
  choices: readonly T[],
): T | undefined {
  const value = options[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw invalidOption(name, `must be one of ${choices.join(', ')}`);
  }
  return value as T;
}

export function optionalBoolean(options: Record<string, unknown>, name: string): boolean | undefined {
  const value = options[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalidOption(name, 'must be true or false');
  return value;
}

/** `a` + `.` + `b` when both are present, else whichever is. */
export function joinType(a: string | undefined, b: string | undefined): string | undefined {
  return a && b ? `${a}.${b}` : (a ?? b);
}

/**
 * The type of a batch body (SendGrid, HubSpot post arrays of events): the shared `field` when every element has
 * the same one, else "batch".
 */
export function batchType(body: JsonValue | undefined, field: string): string | undefined {
  if (!Array.isArray(body) || body.length === 0) return undefined;
  const types = new Set(body.map((item) => stringAtPath(item, field)));
  const [only] = types;
  return types.size === 1 && only !== undefined ? only : 'batch';
}

export function isObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export { valueAtPath };

export function hmacOf(
  algorithm: 'sha1' | 'sha256' | 'sha512',
  key: string | Buffer,
  data: string | Buffer,
  encoding: 'hex' | 'base64',
): string {
  return createHmac(algorithm, key).update(data).digest(encoding);
}

/** Signs with a PKCS#8 PEM private key: Ed25519 (null digest) or ECDSA/RSA with SHA-256 (DER for ECDSA). */
export function signWithPrivateKey(privateKeyPem: string, data: Buffer | string): Buffer {
  const key = createPrivateKey(privateKeyPem);
  return sign(
    key.asymmetricKeyType === 'ed25519' ? null : 'sha256',
    typeof data === 'string' ? Buffer.from(data) : data,
    key,
  );
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/** A compact JWS: HS256 when `key` is a shared secret, RS256 when it is an RSA private key PEM. */
export function signJwt(payload: Record<string, JsonValue>, key: string): string {
  const rsa = key.trim().startsWith('-----BEGIN');
  const head = `${b64url(JSON.stringify({ alg: rsa ? 'RS256' : 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(payload))}`;
  const signature = rsa ? signWithPrivateKey(key, head) : createHmac('sha256', key).update(head).digest();
  return `${head}.${b64url(signature)}`;
}

/** Seconds since the epoch, as providers write timestamps. */
export const seconds = (ms: number): number => Math.floor(ms / 1000);

/** Freezes a template so no caller can change a shared definition. */
export function defineProvider(template: ProviderTemplate): ProviderTemplate {
  return Object.freeze(template);
}
