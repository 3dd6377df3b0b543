// Keys longer than a store or an engine takes are replaced by their digest: the same value always gives the same
// key, so deduplication and idempotency hold whatever the length.
import { createHash } from 'node:crypto';

/** `sha256:<hex>` of the value (a string as UTF-8, or exact bytes). */
export function digestKey(value: string | Buffer): string {
  return `sha256:${createHash('sha256').update(value).digest('hex')}`;
}

/** The value itself when it fits in `maxLength` characters, else its digest. */
export function boundedKey(value: string, maxLength: number): string {
  return value.length <= maxLength ? value : digestKey(value);
}

/** The value itself when it fits in `maxBytes` bytes of UTF-8, else its digest. */
export function byteBoundedKey(value: string, maxBytes: number): string {
  return Buffer.byteLength(value, 'utf8') <= maxBytes ? value : digestKey(value);
}
