// Test fixtures for ingest: builds InboundRequests the way the ingest route does (lower-case headers, parsed query).
import { generateKeyPairSync } from 'node:crypto';
import type { InboundRequest } from '../../src/ingest/inbound-request.js';
import { parseBody } from '../../src/ingest/parse-body.js';
import type { SampleRequest } from '../../src/ingest/providers/index.js';
import type { JsonValue } from '../../src/core/index.js';

export const URL_BASE = 'https://hooks.example.com/api/orgs/acme/eventhook/in/src-1';

export interface RequestInit {
  method?: string;
  url?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  remoteAddress?: string;
}

/** An InboundRequest as the route builds it: header names lower-cased, query parsed from the URL. */
export function inbound(init: RequestInit = {}): InboundRequest {
  const url = init.url ?? URL_BASE;
  const parsed = new URL(url);
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of parsed.searchParams) {
    const seen = query[k];
    query[k] = seen === undefined ? v : Array.isArray(seen) ? [...seen, v] : [seen, v];
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(init.headers ?? {})) headers[k.toLowerCase()] = v;
  return {
    method: init.method ?? 'POST',
    url,
    path: parsed.pathname,
    query,
    headers,
    rawBody: Buffer.isBuffer(init.body) ? init.body : Buffer.from(init.body ?? '', 'utf8'),
    remoteAddress: init.remoteAddress ?? '203.0.113.7',
  };
}

/** The request a provider sample describes, sent to `url`. */
export function fromSample(sample: SampleRequest, url = URL_BASE): InboundRequest {
  return inbound({ method: sample.method, url, headers: sample.headers, body: sample.body });
}

/** The same request with a different body (headers, and so signatures, unchanged). */
export function withBody(req: InboundRequest, body: string): InboundRequest {
  return { ...req, rawBody: Buffer.from(body, 'utf8') };
}

export function withHeaders(req: InboundRequest, headers: Record<string, string>): InboundRequest {
  return { ...req, headers: { ...req.headers, ...headers } };
}

/** Flips one character in the middle of the body: same length, different bytes. */
export function tamper(req: InboundRequest): InboundRequest {
  const bytes = Buffer.from(req.rawBody);
  const i = Math.floor(bytes.length / 2);
  bytes[i] = bytes[i] === 0x31 ? 0x32 : 0x31;
  return { ...req, rawBody: bytes };
}

export function parsedBody(req: InboundRequest): JsonValue | undefined {
  return parseBody(req.rawBody, req.headers['content-type'], { maxDepth: 64 }).data;
}

export function ed25519Keys(): { publicPem: string; privatePem: string; publicHex: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  return {
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicHex: Buffer.from(jwk.x ?? '', 'base64url').toString('hex'),
  };
}

export function p256Keys(): { publicBase64Der: string; privatePem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    publicBase64Der: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}

export function rsaKeys(): { publicPem: string; privatePem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}
