// Runs a provider template the way the ingest route will: verifier from the template, then extraction.
import type { JsonValue } from '../../../src/core/index.js';
import { extractEventType, extractIdempotencyKey, extractSubject } from '../../../src/ingest/extract.js';
import type { InboundRequest } from '../../../src/ingest/inbound-request.js';
import {
  getProvider,
  providerVerifierConfig,
  type ProviderTemplate,
} from '../../../src/ingest/providers/index.js';
import { createVerifier, type VerifyResult } from '../../../src/ingest/verifiers/index.js';
import { parsedBody } from '../fixtures.js';

export function provider(id: string): ProviderTemplate {
  const p = getProvider(id);
  if (!p) throw new Error(`no provider ${id}`);
  return p;
}

/** Verifies `req` as a source of provider `id` with `secrets` (newest first) would. */
export async function verifyAs(
  id: string,
  req: InboundRequest,
  secrets: string[],
  opts: { now?: number; options?: Record<string, unknown> } = {},
): Promise<VerifyResult> {
  const verifier = createVerifier(providerVerifierConfig(id, opts.options ?? {}));
  return verifier.verify(req, { now: opts.now ?? Date.now(), secrets });
}

/** Event type, subject and idempotency key the source would record for `req`. */
export function extracted(
  id: string,
  req: InboundRequest,
): { type: string; subject?: string; key?: string; body?: JsonValue } {
  const p = provider(id);
  // As ingest does: the template's data (Slack's payload field parsed) is what the extractors read.
  const parsed = parsedBody(req);
  const body = p.data?.(parsed, { maxDepth: 64 }) ?? parsed;
  return {
    type: extractEventType(req, body, { provider: p }),
    subject: extractSubject(req, body, { provider: p }),
    key: extractIdempotencyKey(req, body, p.idempotencyKeys),
    body,
  };
}
