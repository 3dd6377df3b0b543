// Parses a webhook body by content type (SPEC §4.6): JSON, form-urlencoded, multipart fields and text; anything
// else stays raw bytes only. Depth is checked by a flat scan before JSON.parse, so a deep body cannot blow the stack.
import { EventhookError, type JsonObject, type JsonValue } from '../core/index.js';
import { mediaTypeOf } from './inbound-request.js';
import { parseMultipart } from './parse-multipart.js';
import { charsetDecoder, contentTypeParam, decodeText, decodeUtf8 } from './text-decoding.js';

export type BodyKind = 'json' | 'form' | 'multipart' | 'text' | 'raw';

/** A parsed body. `data` is undefined for `raw` (and for an empty body); rules then see only headers. */
export interface ParsedBody {
  readonly kind: BodyKind;
  readonly data: JsonValue | undefined;
  /** For JSON, the text `data` was parsed from when it is exactly the body's bytes (no byte order mark). */
  readonly text?: string;
}

export interface ParseLimits {
  /** Deepest allowed nesting of JSON objects and arrays (the top-level value is depth 1). */
  readonly maxDepth: number;
}

export const DEFAULT_MAX_JSON_DEPTH = 64;

/**
 * Parses `rawBody` according to `contentType`. Throws EventhookError EH_INGEST_MALFORMED (400) for malformed
 * JSON, invalid UTF-8 in JSON, JSON nested deeper than `limits.maxDepth`, and multipart bodies that break
 * their own boundaries.
 */
export function parseBody(rawBody: Buffer, contentType: string | undefined, limits: ParseLimits): ParsedBody {
  const type = mediaTypeOf(contentType);
  if (rawBody.length === 0 || type === undefined) return { kind: 'raw', data: undefined };
  if (isJsonType(type)) return parseJson(rawBody, type, limits.maxDepth);
  if (type === 'application/x-www-form-urlencoded')
    return { kind: 'form', data: parseForm(rawBody, contentTypeParam(contentType ?? '', 'charset')) };
  if (type === 'multipart/form-data') {
    const boundary = contentTypeParam(contentType ?? '', 'boundary');
    if (!boundary) throw malformed(type, 'the boundary parameter is missing');
    const fields = parseMultipart(rawBody, boundary);
    if (typeof fields === 'string') throw malformed(type, fields);
    return { kind: 'multipart', data: fields };
  }
  if (type.startsWith('text/')) return { kind: 'text', data: decodeText(rawBody, contentType ?? '') };
  return { kind: 'raw', data: undefined };
}

/** `application/json`, `text/json` and any `+json` suffix type (`application/cloudevents+json`). */
export function isJsonType(mediaType: string): boolean {
  return mediaType === 'application/json' || mediaType === 'text/json' || mediaType.endsWith('+json');
}

/**
 * A form body as `{field: value}`; a repeated field becomes an array of its values in order. Its bytes, escaped
 * (`%E9`) or not, are text in `charset` (UTF-8 when it names none, or one TextDecoder does not know).
 */
export function parseForm(rawBody: Buffer, charset?: string): JsonObject {
  const entries = new Map<string, string | string[]>();
  for (const [key, value] of formPairs(rawBody, charset)) {
    const seen = entries.get(key);
    if (seen === undefined) entries.set(key, value);
    else if (Array.isArray(seen)) seen.push(value);
    else entries.set(key, [seen, value]);
  }
  // fromEntries defines own properties, so a field named __proto__ stays a plain field.
  return Object.fromEntries(entries) as JsonObject;
}

/** The form's name/value pairs, as URLSearchParams splits them, decoded in `charset`. */
function formPairs(rawBody: Buffer, charset: string | undefined): Iterable<[string, string]> {
  const decoder = charsetDecoder(charset, false);
  // URLSearchParams reads UTF-8 only: a Latin-1 form's `%E9` would become U+FFFD rather than é.
  if (decoder.encoding === 'utf-8') return new URLSearchParams(rawBody.toString('utf8'));
  const pairs: [string, string][] = [];
  let start = 0;
  while (start <= rawBody.length) {
    let end = rawBody.indexOf(0x26, start); // &
    if (end === -1) end = rawBody.length;
    if (end > start) {
      const part = rawBody.subarray(start, end);
      const eq = part.indexOf(0x3d); // =
      const name = eq === -1 ? part : part.subarray(0, eq);
      const value = eq === -1 ? part.subarray(part.length) : part.subarray(eq + 1);
      pairs.push([decoder.decode(formUnescape(name)), decoder.decode(formUnescape(value))]);
    }
    start = end + 1;
  }
  return pairs;
}

/** The bytes a form-urlencoded name or value stands for: `+` is a space, `%XY` the byte XY, anything else itself. */
function formUnescape(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x2b) out[n++] = 0x20;
    else if (b === 0x25 && i + 2 < bytes.length && isHex(bytes[i + 1]!) && isHex(bytes[i + 2]!)) {
      out[n++] = parseInt(String.fromCharCode(bytes[i + 1]!, bytes[i + 2]!), 16);
      i += 2;
    } else out[n++] = b;
  }
  return out.subarray(0, n);
}

function isHex(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
}

function parseJson(rawBody: Buffer, type: string, maxDepth: number): ParsedBody {
  const depth = jsonDepth(rawBody);
  if (depth > maxDepth) throw malformed(type, `nesting depth exceeds the limit of ${maxDepth}`);
  const text = decodeUtf8(rawBody);
  if (text === undefined) throw malformed(type, 'the body is not valid UTF-8');
  let data: JsonValue;
  try {
    data = JSON.parse(text) as JsonValue;
  } catch (err) {
    throw malformed(type, err instanceof Error ? err.message : 'invalid JSON');
  }
  // Valid UTF-8 decodes and encodes back to the same bytes; only a byte order mark is dropped on the way.
  const bom = rawBody[0] === 0xef && rawBody[1] === 0xbb && rawBody[2] === 0xbf;
  return bom ? { kind: 'json', data } : { kind: 'json', data, text };
}

/**
 * The deepest nesting of `{`/`[` outside strings, found in one pass over the bytes. Structural characters are
 * ASCII and never occur inside a UTF-8 multi-byte sequence, so scanning bytes is exact.
 */
export function jsonDepth(bytes: Uint8Array): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x7b || b === 0x5b) {
      depth++;
      if (depth > max) max = depth;
    } else if (b === 0x7d || b === 0x5d) depth--;
  }
  return max;
}

function malformed(contentType: string, reason: string): EventhookError {
  return new EventhookError('EH_INGEST_MALFORMED', { contentType, reason });
}
