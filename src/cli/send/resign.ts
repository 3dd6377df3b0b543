// `send --body`: a provider's sample signs its own body, so a custom body must be signed again exactly as the
// source's verifier will check it. Supported: verifiers that do not cover the body (none, api_key, basic_auth,
// token), standard_webhooks, and hmac with the signature in a header. The result is checked with the real
// verifier before it is sent, so an unsupported scheme fails here, clearly, instead of as a 401.
import { createHmac } from 'node:crypto';
import type { JsonValue } from '../../core/envelope.js';
import type { InboundRequest } from '../../ingest/inbound-request.js';
import type { SampleRequest } from '../../ingest/providers/index.js';
import {
  createVerifier,
  standardWebhooksSignature,
  type HmacConfig,
  type VerifierConfig,
} from '../../ingest/verifiers/index.js';
// Internal to the verifiers, imported on purpose: the CLI must render the very bytes the verifier checks, and a
// second implementation here would drift from it.
import {
  compileScheme,
  gatherSignatures,
  isGathered,
  keyValuePairs,
} from '../../ingest/verifiers/signature-scheme.js';
import { renderSignedContent } from '../../ingest/verifiers/signed-content.js';
import { CliError } from '../cli-error.js';

const BODY_NOT_SIGNED = new Set(['none', 'api_key', 'basic_auth', 'token']);

export interface ResignInput {
  readonly provider: string;
  readonly sample: SampleRequest;
  readonly body: string;
  readonly config: VerifierConfig;
  readonly secret: string;
  /** The URL the source verifies against (its ingest URL). */
  readonly url: string;
  readonly now: number;
}

export async function resignSample(input: ResignInput): Promise<SampleRequest> {
  const { config, sample, body } = input;
  const headers = Object.fromEntries(Object.entries(sample.headers).map(([k, v]) => [k.toLowerCase(), v]));
  if (config.type === 'standard_webhooks') {
    const prefix = headers['webhook-id'] !== undefined ? 'webhook' : 'svix';
    const id = headers[`${prefix}-id`] ?? '';
    const ts = Number(headers[`${prefix}-timestamp`]);
    headers[`${prefix}-signature`] = standardWebhooksSignature(input.secret, id, ts, body);
  } else if (config.type === 'hmac') {
    resignHmac(config, headers, input);
  } else if (!BODY_NOT_SIGNED.has(config.type)) {
    throw unsupported(
      input.provider,
      `its ${config.type} verifier signs the body with a scheme the CLI cannot reproduce`,
    );
  }
  const next: SampleRequest = { ...sample, headers, body };
  const verdict = await createVerifier(config).verify(inboundOf(next, input.url), {
    now: input.now,
    secrets: [input.secret],
  });
  if (!verdict.ok)
    throw unsupported(input.provider, `the re-signed request does not verify (${verdict.detail})`);
  return next;
}

function resignHmac(config: HmacConfig, headers: Record<string, string>, input: ResignInput): void {
  if (
    config.signatureBodyPath !== undefined ||
    config.bodyHashParam !== undefined ||
    config.header === undefined
  ) {
    throw unsupported(input.provider, 'its signature is carried in the body or the URL');
  }
  const scheme = compileScheme(config, config.encoding ?? 'hex');
  // The timestamp (if any) stays the one the sample signed; only the content changes.
  const before = gatherSignatures(inboundOf({ ...input.sample, headers }, input.url), scheme, input.now);
  if (!isGathered(before)) {
    throw unsupported(
      input.provider,
      `its sample cannot be read back (${before.ok ? 'no signature' : before.detail})`,
    );
  }
  const req = inboundOf({ ...input.sample, headers, body: input.body }, input.url);
  let parsed: JsonValue | undefined;
  if (scheme.content.usesBodyFields) {
    try {
      parsed = JSON.parse(input.body) as JsonValue;
    } catch {
      throw new CliError('--body must be JSON for this provider: its signature covers body fields');
    }
  }
  const content = renderSignedContent(scheme.content, {
    req,
    url: config.url ?? input.url,
    timestamp: before.timestamp,
    body: parsed,
  });
  if (!Buffer.isBuffer(content))
    throw unsupported(input.provider, `${content.missing} is missing from the sample`);
  const secretEncoding = config.secretEncoding ?? 'utf8';
  const key = Buffer.from(input.secret, secretEncoding);
  const signature = `${scheme.prefix ?? ''}${createHmac(config.algorithm ?? 'sha256', key)
    .update(content)
    .digest(config.encoding ?? 'hex')}`;
  const header = config.header.toLowerCase();
  if (scheme.signatureKey === undefined) {
    headers[header] = signature;
    return;
  }
  // A key=value list (Stripe `t=…,v1=…`): keep the other entries, replace the signatures.
  const separator = scheme.separator ?? ',';
  const entries = [...keyValuePairs(headers[header] ?? '', separator)]
    .filter(([k]) => k !== scheme.signatureKey)
    .map(([k, values]) => `${k}=${values[0]}`);
  headers[header] = [...entries, `${scheme.signatureKey}=${signature}`].join(separator);
}

function inboundOf(sample: SampleRequest, url: string): InboundRequest {
  const u = new URL(url);
  const query: Record<string, string> = {};
  for (const [k, v] of u.searchParams) query[k] = v;
  return {
    method: sample.method,
    url,
    path: u.pathname,
    query,
    headers: Object.fromEntries(Object.entries(sample.headers).map(([k, v]) => [k.toLowerCase(), v])),
    rawBody: Buffer.from(sample.body, 'utf8'),
    remoteAddress: '127.0.0.1',
  };
}

function unsupported(provider: string, why: string): CliError {
  return new CliError(`--body is not supported for ${provider}: ${why}`, [
    `Send the provider's own sample (omit --body), or publish the data with \`eventhook publish\`.`,
  ]);
}
