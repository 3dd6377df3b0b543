// Where a signature and its timestamp sit in a request and how they are written, shared by the hmac, ed25519 and
// ecdsa verifiers: one header value (with a prefix), several in one header (PagerDuty `v1=a,v1=b`), key=value
// lists (Stripe `t=…,v1=…`, Paddle `ts=…;h1=…`), or a field of the body (Mailgun).
import { Type } from '@sinclair/typebox';
import { invalid, type JsonValue } from '../../core/index.js';
import { parseDotPath, scalarAtPath } from '../body-path.js';
import { headerOf, type InboundRequest } from '../inbound-request.js';
import { parseBody } from '../parse-body.js';
import { decodeStrict, type SignatureEncoding } from './constant-time.js';
import { compileSignedContent, type SignedContentTemplate } from './signed-content.js';
import { checkFreshness, parseTimestamp, TimestampConfigSchema, type TimestampConfig } from './timestamp.js';
import { reject, type VerifyResult } from './types.js';

const HEADER_NAME = { minLength: 1, maxLength: 128, pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" };

/** Schema fields every signature-based verifier shares. */
export const SIGNATURE_FIELDS = {
  header: Type.Optional(
    Type.String({ ...HEADER_NAME, description: 'Header that carries the signature (any case)' }),
  ),
  prefix: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'Each signature starts with this, e.g. sha256=',
    }),
  ),
  separator: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 4,
      description: 'Several signatures in one header, separated by this',
    }),
  ),
  signatureKey: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 32,
      description: 'The header is a key=value list (Stripe t=…,v1=…); signatures are the values of this key',
    }),
  ),
  signedContent: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 1024,
      default: '{body}',
      description: 'What was signed, as a template',
    }),
  ),
  timestamp: Type.Optional(TimestampConfigSchema),
};

export interface SchemeConfig {
  header?: string;
  signatureBodyPath?: string;
  prefix?: string;
  separator?: string;
  signatureKey?: string;
  signedContent?: string;
  timestamp?: TimestampConfig;
}

/** A scheme checked and normalised once, when the verifier is built. */
export interface CompiledScheme {
  readonly header: string | undefined;
  readonly bodyPath: readonly string[] | undefined;
  readonly prefix: string | undefined;
  readonly separator: string | undefined;
  readonly signatureKey: string | undefined;
  readonly encoding: SignatureEncoding;
  readonly content: SignedContentTemplate;
  readonly timestamp: TimestampConfig | undefined;
  readonly needsBody: boolean;
}

const MAX_SIGNATURES = 16;

export function compileScheme(cfg: SchemeConfig, encoding: SignatureEncoding): CompiledScheme {
  // Issues are located in the verifier's config; createVerifier puts them where the config sits.
  const fail = (path: string, message: string): never => {
    throw invalid([{ path, message }], 'EH_SOURCE_INVALID');
  };
  if ((cfg.header === undefined) === (cfg.signatureBodyPath === undefined)) {
    fail('', 'give exactly one of header and signatureBodyPath');
  }
  const bodyPath = cfg.signatureBodyPath === undefined ? undefined : parseDotPath(cfg.signatureBodyPath);
  if (bodyPath !== undefined && !Array.isArray(bodyPath)) fail('/signatureBodyPath', bodyPath.error);
  const ts = cfg.timestamp;
  if (ts?.from === 'signature' && cfg.signatureKey === undefined) {
    fail('/timestamp/from', '"signature" needs signatureKey (a key=value signature header)');
  }
  if (ts?.from === 'body' && !Array.isArray(parseDotPath(ts.name))) fail('/timestamp/name', 'not a dot path');
  const content = compileSignedContent(cfg.signedContent ?? '{body}', '/signedContent');
  if (content.usesTimestamp && ts === undefined)
    fail('/signedContent', 'uses {timestamp} but no timestamp is configured');
  return {
    header: cfg.header?.toLowerCase(),
    bodyPath: bodyPath as string[] | undefined,
    prefix: cfg.prefix,
    separator: cfg.separator,
    signatureKey: cfg.signatureKey,
    encoding,
    content,
    timestamp: ts && ts.from === 'header' ? { ...ts, name: ts.name.toLowerCase() } : ts,
    needsBody: bodyPath !== undefined || ts?.from === 'body' || content.usesBodyFields,
  };
}

/** What a request offers a verifier: decoded candidate signatures, the raw timestamp, the parsed body if needed. */
export interface Gathered {
  readonly signatures: readonly Buffer[];
  readonly timestamp: string | undefined;
  readonly body: JsonValue | undefined;
}

/** Reads and decodes signatures and timestamp, and checks freshness; a rejection when anything is missing or bad. */
export function gatherSignatures(
  req: InboundRequest,
  s: CompiledScheme,
  now: number,
): Gathered | VerifyResult {
  let body: JsonValue | undefined;
  if (s.needsBody) {
    try {
      body = parseBody(req.rawBody, headerOf(req, 'content-type'), { maxDepth: 64 }).data;
    } catch {
      return reject('bad_encoding', 'the body could not be parsed to read the signature fields');
    }
  }
  const where = s.header !== undefined ? `header ${s.header}` : `body field ${s.bodyPath?.join('.')}`;
  const raw = s.header !== undefined ? headerOf(req, s.header) : scalarAtPath(body, s.bodyPath ?? []);
  if (raw === undefined || raw.trim() === '') return reject('missing_signature', `${where} is missing`);

  let entries: string[];
  let pairs: Map<string, string[]> | undefined;
  if (s.signatureKey !== undefined) {
    pairs = keyValuePairs(raw, s.separator ?? ',');
    entries = pairs.get(s.signatureKey) ?? [];
    if (entries.length === 0) return reject('missing_signature', `${where} has no ${s.signatureKey}= entry`);
  } else {
    entries = (s.separator === undefined ? [raw] : raw.split(s.separator))
      .map((e) => e.trim())
      .filter(Boolean);
  }
  if (entries.length > MAX_SIGNATURES)
    return reject('bad_encoding', `${where} holds more than ${MAX_SIGNATURES} signatures`);
  if (s.prefix !== undefined) {
    const prefix = s.prefix;
    entries = entries.filter((e) => e.startsWith(prefix)).map((e) => e.slice(prefix.length));
    if (entries.length === 0) return reject('bad_encoding', `${where} lacks the "${prefix}" prefix`);
  }
  const signatures = entries
    .map((e) => decodeStrict(e, s.encoding))
    .filter((b): b is Buffer => b !== undefined);
  if (signatures.length === 0) return reject('bad_encoding', `${where} is not valid ${s.encoding}`);

  let timestamp: string | undefined;
  const ts = s.timestamp;
  if (ts !== undefined) {
    const found =
      ts.from === 'header'
        ? headerOf(req, ts.name)
        : ts.from === 'signature'
          ? pairs?.get(ts.name)?.[0]
          : scalarAtPath(body, ts.name);
    const tsWhere =
      ts.from === 'header'
        ? `header ${ts.name}`
        : ts.from === 'signature'
          ? `${ts.name}= in ${where}`
          : `body field ${ts.name}`;
    if (found === undefined || found === '') return reject('missing_timestamp', `${tsWhere} is missing`);
    const ms = parseTimestamp(found, ts.format);
    if (ms === undefined) return reject('bad_encoding', `${tsWhere} is not a ${ts.format} timestamp`);
    const stale = checkFreshness(ms, now, ts.toleranceSeconds, ts.pastOnly);
    if (stale) return stale;
    timestamp = found;
  }
  return { signatures, timestamp, body };
}

/** `t=1,v1=a,v1=b` → {t: [1], v1: [a, b]}; keys and values trimmed, entries without `=` ignored. */
export function keyValuePairs(value: string, separator: string): Map<string, string[]> {
  const pairs = new Map<string, string[]>();
  for (const part of value.split(separator)) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    pairs.set(key, [...(pairs.get(key) ?? []), part.slice(eq + 1).trim()]);
  }
  return pairs;
}

export function isGathered(g: Gathered | VerifyResult): g is Gathered {
  return 'signatures' in g;
}
