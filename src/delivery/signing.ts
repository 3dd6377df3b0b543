// Standard Webhooks signing: `v1,` HMAC-SHA256 and `v1a,` Ed25519 over "{id}.{timestamp}.{body}", one entry per secret.
import { createHmac, sign as cryptoSign } from 'node:crypto';
import { invalid } from '../core/index.js';
import { parseEndpointSecret, type ParsedSecret } from './endpoint-secrets.js';

export type SignatureHeaderStyle = 'webhook' | 'svix';

export interface SignOptions {
  /** The message id (`msg_…`), identical on every retry of the same action; it must not contain `.`. */
  msgId: string;
  /** Unix seconds, taken at each attempt. */
  timestamp: number;
  /** Exactly the bytes that will be sent. A string is signed (and must be sent) as UTF-8. */
  body: Buffer | string;
  /** whsec_… and/or whsk_… secrets; each yields one signature entry, in the order given. */
  secrets: readonly string[];
}

// Parsing a secret decodes base64 and, for Ed25519, builds a KeyObject; endpoints sign with the same few secrets
// over and over, so a small cache keeps that off the hot path. Cleared wholesale when full: simple, and bounded.
const PARSED_CACHE_LIMIT = 1024;
const parsedCache = new Map<string, ParsedSecret>();

function parsed(secret: string, index: number): ParsedSecret {
  let p = parsedCache.get(secret);
  if (p === undefined) {
    p = parseEndpointSecret(secret, `/secrets/${index}`);
    if (parsedCache.size >= PARSED_CACHE_LIMIT) parsedCache.clear();
    parsedCache.set(secret, p);
  }
  return p;
}

/** The `webhook-signature` header value: `v1,<base64>` / `v1a,<base64>` entries separated by single spaces. */
export function signPayload(opts: SignOptions): string {
  if (opts.msgId === '' || opts.msgId.includes('.')) {
    throw invalid([{ path: '/msgId', message: 'must be non-empty and contain no "."' }]);
  }
  if (!Number.isSafeInteger(opts.timestamp) || opts.timestamp < 0) {
    throw invalid([{ path: '/timestamp', message: 'must be a non-negative integer number of Unix seconds' }]);
  }
  if (opts.secrets.length === 0)
    throw invalid([{ path: '/secrets', message: 'at least one secret is needed' }]);
  const prefix = Buffer.from(`${opts.msgId}.${opts.timestamp}.`, 'utf8');
  const body = typeof opts.body === 'string' ? Buffer.from(opts.body, 'utf8') : opts.body;
  const entries: string[] = [];
  let ed25519Content: Buffer | undefined;
  opts.secrets.forEach((secret, i) => {
    const key = parsed(secret, i);
    if (key.kind === 'hmac') {
      entries.push('v1,' + createHmac('sha256', key.key).update(prefix).update(body).digest('base64'));
    } else {
      ed25519Content ??= Buffer.concat([prefix, body]);
      entries.push('v1a,' + cryptoSign(null, ed25519Content, key.privateKey).toString('base64'));
    }
  });
  return entries.join(' ');
}

/** The three signing headers, named `webhook-*` (Standard Webhooks, default) or `svix-*`. */
export function buildSignedHeaders(
  opts: SignOptions & { headerStyle?: SignatureHeaderStyle },
): Record<string, string> {
  const p = opts.headerStyle === 'svix' ? 'svix' : 'webhook';
  return {
    [`${p}-id`]: opts.msgId,
    [`${p}-timestamp`]: String(opts.timestamp),
    [`${p}-signature`]: signPayload(opts),
  };
}
