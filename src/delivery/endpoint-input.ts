// What a user may set on an endpoint, and the checks that make a saved endpoint one that can deliver: URL (and,
// for IP literals, the SSRF policy), headers, limits, ordering and the retry policy, each error located.
import { invalid, isEventhookError, REDACTED, type EventhookError, type FieldIssue } from '../core/index.js';
import { parseDelay } from '../routing/retry-delay.js';
import type { EndpointRecord, EndpointStatus } from '../store/records.js';
import type { RetryPolicy } from '../targets/target-schema.js';
import { compileJmespath } from '../transform/index.js';
import type { AddressPolicy } from './address-policy.js';
import {
  HEADER_VALUE_RE,
  HEADER_VALUE_RULE,
  parseEndpointAuth,
  SIGNATURE_HEADER_RE,
  type EndpointAuth,
} from './endpoint-auth.js';
import { RESERVED_REQUEST_HEADERS } from './http-sender.js';
import { parseRetrySchedule } from './retry-policy.js';
import type { SignatureHeaderStyle } from './signing.js';

export const DEFAULT_ENDPOINT_TIMEOUT_MS = 15_000;
export const MAX_ENDPOINT_TIMEOUT_MS = 120_000;
export const MAX_ENDPOINT_HEADERS = 50;
export const MAX_ENDPOINT_SECRETS = 10;

/** The fields of an endpoint a user sets (POST); `secrets` omitted means "generate one whsec_ (or whsk_) secret". */
export interface EndpointInput {
  slug: string;
  url: string;
  description?: string;
  headers?: Record<string, string>;
  /**
   * Headers whose values are credentials: sealed, never returned, redacted from attempts. A whole map, like
   * `headers`; on update a value that is the redaction marker keeps the stored value of that name.
   */
  secretHeaders?: Record<string, string>;
  auth?: unknown;
  secrets?: string[];
  /** The kind of secret to generate when none is given; default hmac (whsec_). */
  secretKind?: 'hmac' | 'ed25519';
  headerStyle?: SignatureHeaderStyle;
  /** null or none: the deployment's default, as it is at each delivery. */
  timeoutMs?: number | null;
  rateLimit?: number | null;
  maxConcurrency?: number | null;
  ordering?: 'none' | 'fifo';
  orderingKey?: string | null;
  retry?: RetryPolicy | null;
  status?: EndpointStatus;
}

/** PATCH: any field but the slug (rules name it) and the secrets (rotate them instead). */
export type EndpointPatch = Partial<Omit<EndpointInput, 'slug' | 'secrets' | 'secretKind'>>;

const TOKEN_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The URL as given, or EH_ENDPOINT_INVALID. An IP literal the SSRF policy refuses is refused here already. */
export function checkEndpointUrl(url: string, policy: AddressPolicy): string {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed === undefined) throw bad('/url', 'is not a valid URL');
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw bad('/url', 'must be an http or https URL');
  if (parsed.username !== '' || parsed.password !== '') {
    throw bad('/url', 'must not carry credentials; use auth: {type: "basic"}');
  }
  const refused = policy.refusesUrl(url);
  if (refused !== undefined) {
    throw bad('/url', `${refused}; deliveries there are refused (see EVENTHOOK_OUTBOUND_ALLOW)`);
  }
  return url;
}

/**
 * The `headers` (or `secretHeaders`) as stored: names lower-cased, each checked. The redaction marker is refused as
 * a value, except for a secret header named in `kept` (one already stored), where it stands for the stored value:
 * the API shows secret headers masked, so what a client read can be sent back unchanged.
 */
export function checkHeaders(
  headers: Record<string, string> | undefined,
  field: 'headers' | 'secretHeaders' = 'headers',
  kept: ReadonlySet<string> = new Set(),
): Record<string, string> {
  const out: Record<string, string> = {};
  const entries = Object.entries(headers ?? {});
  if (entries.length > MAX_ENDPOINT_HEADERS)
    throw bad(`/${field}`, `at most ${MAX_ENDPOINT_HEADERS} headers`);
  const issues: FieldIssue[] = [];
  for (const [name, value] of entries) {
    const lower = name.toLowerCase();
    const path = `/${field}/${name}`;
    if (!TOKEN_RE.test(name)) issues.push({ path, message: 'is not a valid header name' });
    else if (
      RESERVED_REQUEST_HEADERS.has(lower) ||
      SIGNATURE_HEADER_RE.test(lower) ||
      lower === 'content-type'
    ) {
      issues.push({ path, message: `${name} is set by Eventhook itself` });
    } else if (typeof value !== 'string') {
      issues.push({ path, message: 'must be a string' });
    } else if (!HEADER_VALUE_RE.test(value)) {
      issues.push({ path, message: HEADER_VALUE_RULE });
    } else if (Object.hasOwn(out, lower)) {
      // Names are case-insensitive: X-Tenant and x-tenant are one header, and only one of the values could be sent.
      issues.push({
        path,
        message: `is given twice (as ${name} and in another case); header names ignore case`,
      });
    } else if (value === REDACTED && !kept.has(lower)) {
      // The API shows credential headers masked; sending the mask back would replace the real value with it.
      issues.push({
        path,
        message: `is the ${REDACTED} placeholder; send the real value (or leave ${field} out)`,
      });
    } else out[lower] = value;
  }
  if (issues.length > 0) throw invalid(issues, 'EH_ENDPOINT_INVALID');
  return out;
}

/** A header is either plain or secret: with the same name in both, which one is sent would be a guess. */
export function checkHeadersDisjoint(
  headers: Record<string, string>,
  secretHeaders: Record<string, string>,
): void {
  const both = Object.keys(secretHeaders).filter((name) => Object.hasOwn(headers, name));
  if (both.length === 0) return;
  throw invalid(
    both.map((name) => ({
      path: `/secretHeaders/${name}`,
      message: 'is also in headers; a header is either plain or secret',
    })),
    'EH_ENDPOINT_INVALID',
  );
}

/**
 * Validates auth input under /auth, reporting it as an endpoint error. An OAuth token URL whose host is an IP literal
 * the SSRF policy refuses is refused here already, as the endpoint's own URL is.
 */
export function checkAuth(input: unknown, policy: AddressPolicy): EndpointAuth {
  let auth: EndpointAuth;
  try {
    auth = parseEndpointAuth(input, '/auth');
  } catch (err) {
    if (isEventhookError(err) && err.issues) throw invalid(err.issues, 'EH_ENDPOINT_INVALID');
    throw err;
  }
  if (auth.type === 'oauth2_client_credentials') {
    const refused = policy.refusesUrl(auth.tokenUrl);
    if (refused !== undefined) {
      throw bad(
        '/auth/tokenUrl',
        `${refused}; token requests there are refused (see EVENTHOOK_OUTBOUND_ALLOW)`,
      );
    }
  }
  return auth;
}

export function checkLimits(input: Pick<EndpointInput, 'timeoutMs' | 'rateLimit' | 'maxConcurrency'>): void {
  const { timeoutMs, rateLimit, maxConcurrency } = input;
  if (
    timeoutMs != null &&
    !(Number.isInteger(timeoutMs) && timeoutMs >= 100 && timeoutMs <= MAX_ENDPOINT_TIMEOUT_MS)
  ) {
    throw bad('/timeoutMs', `must be an integer from 100 to ${MAX_ENDPOINT_TIMEOUT_MS}`);
  }
  if (rateLimit != null && !(rateLimit > 0 && rateLimit <= 100_000))
    throw bad('/rateLimit', 'must be above 0 and at most 100000 per second');
  if (
    maxConcurrency != null &&
    !(Number.isInteger(maxConcurrency) && maxConcurrency >= 1 && maxConcurrency <= 10_000)
  ) {
    throw bad('/maxConcurrency', 'must be an integer from 1 to 10000');
  }
}

/** FIFO lanes: an ordering key only makes sense on an ordered endpoint, and must compile. */
export function checkOrdering(ordering: 'none' | 'fifo', orderingKey: string | null): void {
  if (orderingKey === null) return;
  if (ordering !== 'fifo') throw bad('/orderingKey', 'needs ordering: "fifo"');
  compileJmespath(orderingKey, '/orderingKey');
}

/** The retry policy as stored: delays in ms (checked like any delivery schedule) and the attempt budget. */
export function retryFromPolicy(
  policy: RetryPolicy | null | undefined,
  path = '/retry',
): EndpointRecord['retry'] {
  if (policy == null) return null;
  const out: NonNullable<EndpointRecord['retry']> = {};
  if (policy.schedule !== undefined) {
    const delaysMs = policy.schedule.map((d, i) => {
      try {
        return parseDelay(d);
      } catch {
        throw bad(`${path}/schedule/${i}`, 'must be a delay such as 500ms, 5s, 5m, 2h or 1d');
      }
    });
    try {
      out.delaysMs = [...parseRetrySchedule({ delaysMs }, path).delaysMs];
    } catch (err) {
      if (isEventhookError(err) && err.issues)
        throw invalid(
          err.issues.map((i) => ({ ...i, path: i.path.replace('/delaysMs', '/schedule') })),
          'EH_ENDPOINT_INVALID',
        );
      throw err;
    }
  }
  if (policy.maxAttempts !== undefined) out.maxAttempts = policy.maxAttempts;
  return out;
}

/** The stored retry policy in the shape users write it: `{schedule: ["5s", "5m"], maxAttempts}`. */
export function retryToPolicy(retry: EndpointRecord['retry']): RetryPolicy | null {
  if (retry === null) return null;
  return {
    ...(retry.delaysMs !== undefined ? { schedule: retry.delaysMs.map(formatDelay) } : {}),
    ...(retry.maxAttempts !== undefined ? { maxAttempts: retry.maxAttempts } : {}),
  };
}

const UNITS: ReadonlyArray<[string, number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

export function formatDelay(ms: number): string {
  for (const [unit, size] of UNITS) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

function bad(path: string, reason: string): EventhookError {
  return invalid([{ path, message: reason }], 'EH_ENDPOINT_INVALID');
}
