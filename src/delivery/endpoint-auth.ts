// Endpoint authentication: the auth shapes, their validation, the headers they add, and redaction for the attempt log.
import { invalid, isCredentialHeader, REDACTED, type FieldIssue } from '../core/index.js';
import { RESERVED_REQUEST_HEADERS } from './http-sender.js';

/**
 * How Eventhook authenticates to an endpoint, besides the signature. Credentials are secrets: stored encrypted,
 * never returned by the API, and redacted from recorded attempts (`redactHeaders`).
 */
export type EndpointAuth =
  | { type: 'none' }
  | { type: 'basic'; username: string; password: string }
  | { type: 'bearer'; token: string }
  | { type: 'api_key'; header: string; value: string }
  | OAuth2ClientCredentials;

export interface OAuth2ClientCredentials {
  type: 'oauth2_client_credentials';
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
  audience?: string;
  /** RFC 6749 §2.3.1: HTTP Basic (default, the method every server must support) or form fields. */
  clientAuthMethod?: 'client_secret_basic' | 'client_secret_post';
}

export const AUTH_TYPES = ['none', 'basic', 'bearer', 'api_key', 'oauth2_client_credentials'] as const;
const TOKEN_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** The signing headers Eventhook sets on every delivery, in either style: no endpoint setting may name them. */
export const SIGNATURE_HEADER_RE = /^(webhook|svix)-(id|timestamp|signature)$/;

/** Validates user input into an EndpointAuth, or throws EH_REQUEST_INVALID listing every bad field under `path`. */
/**
 * What an HTTP header value may hold (undici's rule: tab, visible ASCII, space and the Latin-1 range). A value outside
 * it can never be sent: every delivery would fail as a request that can never work, and die at once.
 */
export const HEADER_VALUE_RE = /^[\t\x20-\x7e\x80-\xff]*$/;
export const HEADER_VALUE_RULE =
  'must not contain CR, LF, NUL, other control characters or characters beyond Latin-1 (a header cannot carry them)';

export function parseEndpointAuth(input: unknown, path = '/auth'): EndpointAuth {
  if (input === undefined || input === null) return { type: 'none' };
  if (typeof input !== 'object' || Array.isArray(input))
    throw invalid([{ path, message: 'must be an object' }]);
  const o = input as Record<string, unknown>;
  const issues: FieldIssue[] = [];
  const str = (field: string, opts: { optional?: boolean } = {}): string | undefined => {
    const v = o[field];
    if (v === undefined && opts.optional) return undefined;
    if (typeof v !== 'string' || v === '')
      issues.push({ path: `${path}/${field}`, message: 'must be a non-empty string' });
    else if (/[\r\n\0]/.test(v))
      issues.push({ path: `${path}/${field}`, message: 'must not contain CR, LF or NUL' });
    else return v;
    return undefined;
  };
  // A credential sent as it is in a header (bearer token, api_key value) must be one a header can carry.
  const headerValue = (field: string): string | undefined => {
    const v = str(field);
    if (v === undefined || HEADER_VALUE_RE.test(v)) return v;
    issues.push({ path: `${path}/${field}`, message: HEADER_VALUE_RULE });
    return undefined;
  };
  let auth: EndpointAuth | undefined;
  switch (o.type) {
    case 'none':
      auth = { type: 'none' };
      break;
    case 'basic': {
      const username = str('username');
      const password = str('password');
      if (username?.includes(':')) issues.push({ path: `${path}/username`, message: 'must not contain ":"' });
      auth = { type: 'basic', username: username ?? '', password: password ?? '' };
      break;
    }
    case 'bearer':
      auth = { type: 'bearer', token: headerValue('token') ?? '' };
      break;
    case 'api_key': {
      const header = str('header');
      if (header !== undefined) {
        const lower = header.toLowerCase();
        if (!TOKEN_RE.test(header))
          issues.push({ path: `${path}/header`, message: 'is not a valid header name' });
        else if (
          RESERVED_REQUEST_HEADERS.has(lower) ||
          SIGNATURE_HEADER_RE.test(lower) ||
          lower === 'content-type'
        ) {
          issues.push({ path: `${path}/header`, message: `${header} is set by Eventhook itself` });
        }
      }
      auth = { type: 'api_key', header: header ?? '', value: headerValue('value') ?? '' };
      break;
    }
    case 'oauth2_client_credentials': {
      const tokenUrl = str('tokenUrl');
      if (tokenUrl !== undefined && !/^https?:\/\//i.test(tokenUrl)) {
        issues.push({ path: `${path}/tokenUrl`, message: 'must be an http or https URL' });
      } else if (tokenUrl !== undefined && !URL.canParse(tokenUrl)) {
        issues.push({ path: `${path}/tokenUrl`, message: 'is not a valid URL' });
      }
      const method = o.clientAuthMethod;
      if (method !== undefined && method !== 'client_secret_basic' && method !== 'client_secret_post') {
        issues.push({
          path: `${path}/clientAuthMethod`,
          message: 'must be client_secret_basic or client_secret_post',
        });
      }
      const scope = str('scope', { optional: true });
      const audience = str('audience', { optional: true });
      auth = {
        type: 'oauth2_client_credentials',
        tokenUrl: tokenUrl ?? '',
        clientId: str('clientId') ?? '',
        clientSecret: str('clientSecret') ?? '',
        ...(scope !== undefined ? { scope } : {}),
        ...(audience !== undefined ? { audience } : {}),
        ...(method !== undefined
          ? { clientAuthMethod: method as OAuth2ClientCredentials['clientAuthMethod'] }
          : {}),
      };
      break;
    }
    default:
      issues.push({ path: `${path}/type`, message: `must be one of ${AUTH_TYPES.join(', ')}` });
  }
  if (issues.length > 0 || auth === undefined) throw invalid(issues);
  return auth;
}

/** The headers a static auth adds. OAuth2 needs a token first: see OAuth2TokenCache. */
export function staticAuthHeaders(
  auth: Exclude<EndpointAuth, OAuth2ClientCredentials>,
): Record<string, string> {
  switch (auth.type) {
    case 'none':
      return {};
    case 'basic':
      return {
        authorization: 'Basic ' + Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64'),
      };
    case 'bearer':
      return { authorization: `Bearer ${auth.token}` };
    case 'api_key':
      return { [auth.header.toLowerCase()]: auth.value };
  }
}

/**
 * A copy of `headers` safe to store in an attempt or show: credential-looking headers, the api_key auth's header and
 * the endpoint's secret headers (named in `secretHeaders`, whose values are not needed) are masked.
 */
export function redactHeaders(
  headers: Record<string, string>,
  endpoint: { auth?: EndpointAuth; secretHeaders?: Record<string, string> } = {},
): Record<string, string> {
  const { auth, secretHeaders = {} } = endpoint;
  const apiKeyHeader = auth?.type === 'api_key' ? auth.header.toLowerCase() : undefined;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    const secret = isCredentialHeader(lower) || lower === apiKeyHeader || Object.hasOwn(secretHeaders, lower);
    out[name] = secret ? REDACTED : value;
  }
  return out;
}
