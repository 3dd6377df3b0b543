// The verifier contract: a request and the source's secrets in, a verdict out. Verifiers are pure apart from
// fetching a configured JWKS, take time only from the context, and never put a secret into a verdict.
import type { InboundRequest } from '../inbound-request.js';

/**
 * What a verifier needs besides the request. `secrets` are the source's active and in-grace secrets in plain
 * text, newest first; any one of them may verify (rotation grace). `now` is milliseconds since the epoch.
 */
export interface VerifyContext {
  readonly now: number;
  readonly secrets: readonly string[];
  /**
   * How JWT key sets are fetched from a source's jwksUrl. The server passes a fetch under the outbound address
   * policy (the URL is an org admin's choice); without one, Node's fetch is used (tools, tests).
   */
  readonly keySetFetch?: KeySetFetch;
}

/** A fetch for JWT key sets (jose's FetchImplementation). */
export type KeySetFetch = (
  url: string,
  init: { headers: Headers; method: 'GET'; redirect: 'manual'; signal: AbortSignal },
) => Promise<Response>;

/** Why a request was rejected; a stable label for logs and the per-source rejection counter. */
export type RejectReason =
  | 'missing_signature'
  | 'missing_header'
  | 'missing_timestamp'
  | 'bad_encoding'
  | 'stale_timestamp'
  | 'no_matching_signature'
  | 'missing_credentials'
  | 'bad_credentials'
  | 'invalid_token'
  | 'misconfigured';

/** Every RejectReason, e.g. to pre-register metric label values. */
export const REJECT_REASONS: readonly RejectReason[] = [
  'missing_signature',
  'missing_header',
  'missing_timestamp',
  'bad_encoding',
  'stale_timestamp',
  'no_matching_signature',
  'missing_credentials',
  'bad_credentials',
  'invalid_token',
  'misconfigured',
];

/** A verdict. `detail` is for logs and `POST /sources/{s}/test`; it never contains a secret. */
export type VerifyResult = { ok: true } | { ok: false; reason: RejectReason; detail: string };

export interface Verifier {
  verify(req: InboundRequest, ctx: VerifyContext): VerifyResult | Promise<VerifyResult>;
}

export const ACCEPTED: VerifyResult = Object.freeze({ ok: true });

export function reject(reason: RejectReason, detail: string): VerifyResult {
  return { ok: false, reason, detail };
}
