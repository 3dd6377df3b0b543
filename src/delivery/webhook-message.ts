// One outbound message on the wire: its stable webhook-id, the exact body bytes, and the signed headers.
import { createHash } from 'node:crypto';
import { childTraceparent, stringifyExact, type ExactIntegers, type JsonValue } from '../core/index.js';
import { activeSecrets } from './endpoint-secrets.js';
import type { SendRequest } from './http-sender.js';
import type { LiveEndpoint } from './live-endpoints.js';
import { buildSignedHeaders } from './signing.js';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * The webhook-id of an action: `msg_` + 26 Crockford base32 characters of SHA-256 over its idempotency key. So it
 * is identical on every attempt, after a crash, on a manual retry, and on a replay that keeps its keys (receivers
 * that dedupe on webhook-id see a repeat, as with Svix's resend); a replay with fresh keys gets a new id.
 */
export function messageIdFor(idempotencyKey: string): string {
  let n = BigInt('0x' + createHash('sha256').update(idempotencyKey, 'utf8').digest('hex').slice(0, 32));
  let out = '';
  for (let i = 0; i < 26; i++) {
    out = CROCKFORD[Number(n & 31n)]! + out;
    n >>= 5n;
  }
  return `msg_${out}`;
}

/**
 * The body of a webhook: the target's input as JSON, with the event's integers beyond 2^53 as they arrived. These
 * bytes are both signed and sent.
 */
export function webhookBody(input: JsonValue, exact?: ExactIntegers): Buffer {
  return Buffer.from(stringifyExact(input ?? null, exact), 'utf8');
}

/**
 * The request for one attempt: the endpoint's own headers and secret headers, then content type, the trace context and the signature
 * headers (which the endpoint cannot override), signed with every secret active at `now` over a timestamp taken
 * now. `traceparent` is the event's: each attempt is a new span of its trace.
 */
export function webhookRequest(
  endpoint: LiveEndpoint,
  msgId: string,
  body: Buffer,
  now: number,
  traceparent?: string | null,
): SendRequest {
  const trace = childTraceparent(traceparent);
  const signed = buildSignedHeaders({
    msgId,
    timestamp: Math.floor(now / 1000),
    body,
    secrets: activeSecrets(endpoint.secrets, now),
    headerStyle: endpoint.record.headerStyle,
  });
  return {
    url: endpoint.record.url,
    headers: {
      ...endpoint.record.headers,
      ...endpoint.secretHeaders,
      'content-type': 'application/json',
      ...(trace !== undefined ? { traceparent: trace } : {}),
      ...signed,
    },
    body,
    timeoutMs: endpoint.timeoutMs,
  };
}
