// Encrypts secrets at rest (SPEC §10): AES-256-GCM under the master key, so a copied database reveals nothing.
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const VERSION = 'v1';
/** GCM's full tag, as seal() writes it. */
const TAG_BYTES = 16;

/**
 * Seals strings with one 32-byte key, and opens them with it or with a previous key (while a rotation of the master
 * key is under way: secrets sealed before it open until they are sealed again). Sealed form:
 * `v1.<iv>.<tag>.<ciphertext>` (base64url parts); GCM's tag says which key a value was sealed with.
 */
export class SecretBox {
  private readonly key: Buffer;
  private readonly previous: readonly Buffer[];

  constructor(masterKeyBase64: string, previousKeysBase64: readonly string[] = []) {
    this.key = keyBytes(masterKeyBase64);
    this.previous = previousKeysBase64.map(keyBytes);
  }

  static generateKey(): string {
    return randomBytes(32).toString('base64');
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      VERSION,
      iv.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
      ct.toString('base64url'),
    ].join('.');
  }

  /** The plain text, sealed with the current key or a previous one; throws when none opens it. */
  open(sealed: string): string {
    const opened = this.openWith(this.key, sealed);
    if (opened !== null) return opened;
    for (const key of this.previous) {
      const old = this.openWith(key, sealed);
      if (old !== null) return old;
    }
    throw new Error('the sealed value does not open with the master key');
  }

  /** Whether the current key (not a previous one) opens `sealed`: false means it is due to be sealed again. */
  isCurrent(sealed: string): boolean {
    return this.openWith(this.key, sealed) !== null;
  }

  private openWith(key: Buffer, sealed: string): string | null {
    const [version, iv, tag, ct] = sealed.split('.');
    if (version !== VERSION || iv === undefined || tag === undefined || ct === undefined) {
      throw new Error('not a sealed secret');
    }
    try {
      // The tag's length pinned to what seal() writes: unpinned, Node accepts a tag cut to 4 bytes, checked on 32 bits.
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      return null; // the tag does not match: another key, or a damaged value
    }
  }

  /** `open`, or null for a value that does not open (sealed under another master key, or not sealed at all). */
  openOrNull(sealed: string): string | null {
    try {
      return this.open(sealed);
    } catch {
      return null;
    }
  }
}

function keyBytes(base64: string): Buffer {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32) throw new RangeError('the master key must be 32 bytes');
  return key;
}

/** SHA-256 hex of a token: API keys and the operator token are stored only as this. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time equality of two strings (different lengths compare false without leaking where they differ). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

/** A random token with a readable prefix, e.g. `ehk_…` for API keys. */
export function randomToken(prefix: string, bytes = 24): string {
  return `${prefix}_${randomBytes(bytes).toString('base64url')}`;
}

/**
 * Whether `given` is the secret that verifies or signs now: the newest of `secrets`, with no end. Rotating to it
 * would only put an end on it and keep a second copy (`apply --rotate-secrets` re-sends a file's secret whether or
 * not it changed), so a rotation given it changes nothing.
 */
export function isCurrentSecret(
  box: SecretBox,
  secrets: readonly { sealed: string; createdAt: number; expiresAt: number | null }[],
  given: string | undefined,
): boolean {
  if (given === undefined) return false;
  let newest: (typeof secrets)[number] | undefined;
  for (const s of secrets) if (newest === undefined || s.createdAt >= newest.createdAt) newest = s;
  return newest !== undefined && newest.expiresAt === null && box.open(newest.sealed) === given;
}
