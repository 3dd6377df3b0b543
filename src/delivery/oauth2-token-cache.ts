// OAuth2 client-credentials tokens for endpoints: fetched through the guarded sender, cached per endpoint until expiry.
import { createHash } from 'node:crypto';
import type { Clock } from '../core/index.js';
import { HEADER_VALUE_RE, type OAuth2ClientCredentials } from './endpoint-auth.js';
import type { HttpSender } from './http-sender.js';
import type { SendError } from './send-result.js';

/**
 * The most of a token endpoint's answer read. Receivers' answers are kept only up to the sender's cap (16 KiB), but a
 * token must be read whole: a JWT carrying many claims passes 16 KiB.
 */
const TOKEN_ANSWER_CAP = 256 * 1024;

export interface OAuth2TokenCacheOptions {
  /** The token request goes through the same SSRF policy as deliveries. */
  sender: HttpSender;
  clock: Clock;
  tokenTimeoutMs?: number;
  /** Lifetime assumed when the server gives no expires_in. */
  defaultLifetimeMs?: number;
  /** Renew this long before expiry, so a token does not lapse in flight (at most a tenth of its lifetime). */
  expirySkewMs?: number;
}

interface CachedToken {
  fingerprint: string;
  token: string;
  expiresAt: number;
}

export type TokenResult = { ok: true; token: string } | { ok: false; error: SendError };

/**
 * One token per endpoint. Concurrent requests for the same endpoint share one fetch. A change of credentials
 * (different fingerprint) refetches. `invalidate` drops a token the endpoint rejected with 401.
 */
export class OAuth2TokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly inflight = new Map<string, { fingerprint: string; promise: Promise<TokenResult> }>();
  private readonly timeoutMs: number;
  private readonly defaultLifetimeMs: number;
  private readonly skewMs: number;

  constructor(private readonly opts: OAuth2TokenCacheOptions) {
    this.timeoutMs = opts.tokenTimeoutMs ?? 10_000;
    this.defaultLifetimeMs = opts.defaultLifetimeMs ?? 60 * 60_000;
    this.skewMs = opts.expirySkewMs ?? 30_000;
  }

  async token(endpointId: string, auth: OAuth2ClientCredentials): Promise<TokenResult> {
    const fingerprint = fingerprintOf(auth);
    const cached = this.tokens.get(endpointId);
    if (cached && cached.fingerprint === fingerprint && this.opts.clock.now() < cached.expiresAt) {
      return { ok: true, token: cached.token };
    }
    const pending = this.inflight.get(endpointId);
    if (pending && pending.fingerprint === fingerprint) return pending.promise;
    const promise = this.fetch(endpointId, auth, fingerprint).finally(() => {
      if (this.inflight.get(endpointId)?.promise === promise) this.inflight.delete(endpointId);
    });
    this.inflight.set(endpointId, { fingerprint, promise });
    return promise;
  }

  /** Forgets the endpoint's token if it is still `token` (another request may already have replaced it). */
  invalidate(endpointId: string, token?: string): void {
    const cached = this.tokens.get(endpointId);
    if (cached && (token === undefined || cached.token === token)) this.tokens.delete(endpointId);
  }

  private async fetch(
    endpointId: string,
    auth: OAuth2ClientCredentials,
    fingerprint: string,
  ): Promise<TokenResult> {
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (auth.scope !== undefined) form.set('scope', auth.scope);
    if (auth.audience !== undefined) form.set('audience', auth.audience);
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (auth.clientAuthMethod === 'client_secret_post') {
      form.set('client_id', auth.clientId);
      form.set('client_secret', auth.clientSecret);
    } else {
      // RFC 6749 §2.3.1: id and secret are form-encoded before being joined and base64-encoded.
      const pair = `${encodeURIComponent(auth.clientId)}:${encodeURIComponent(auth.clientSecret)}`;
      headers.authorization = 'Basic ' + Buffer.from(pair, 'utf8').toString('base64');
    }
    const requestedAt = this.opts.clock.now();
    const res = await this.opts.sender.send({
      url: auth.tokenUrl,
      headers,
      body: form.toString(),
      timeoutMs: this.timeoutMs,
      responseBodyCap: TOKEN_ANSWER_CAP,
    });
    const fail = (message: string): TokenResult => ({
      ok: false,
      error: { kind: 'auth', message: `OAuth2 token request: ${message}` },
    });
    if (res.error) return fail(`${res.error.kind}: ${res.error.message}`);
    if (res.status === undefined || res.status < 200 || res.status >= 300) {
      return fail(`the token endpoint answered ${res.status}${oauthErrorOf(res.body)}`);
    }
    if (res.bodyTruncated) return fail(`the answer is larger than ${TOKEN_ANSWER_CAP / 1024} KiB`);
    let parsed: { access_token?: unknown; token_type?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(res.body) as typeof parsed;
    } catch {
      return fail('the token endpoint did not answer JSON');
    }
    if (typeof parsed.access_token !== 'string' || parsed.access_token === '')
      return fail('no access_token in the answer');
    // Sent as it is in the authorization header: one a header cannot carry would make the delivery a request that can
    // never work (and kill the message at once), though the next token may well be fine.
    if (!HEADER_VALUE_RE.test(parsed.access_token))
      return fail('the access_token holds characters a header cannot carry');
    if (typeof parsed.token_type === 'string' && parsed.token_type.toLowerCase() !== 'bearer') {
      return fail(`unsupported token_type ${parsed.token_type}`);
    }
    const expiresIn = Number(parsed.expires_in);
    const lifetimeMs =
      Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn * 1000 : this.defaultLifetimeMs;
    const expiresAt = requestedAt + lifetimeMs - Math.min(this.skewMs, lifetimeMs / 10);
    this.tokens.set(endpointId, { fingerprint, token: parsed.access_token, expiresAt });
    return { ok: true, token: parsed.access_token };
  }
}

function fingerprintOf(auth: OAuth2ClientCredentials): string {
  const parts = [
    auth.tokenUrl,
    auth.clientId,
    auth.clientSecret,
    auth.scope ?? '',
    auth.audience ?? '',
    auth.clientAuthMethod ?? '',
  ];
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64');
}

function oauthErrorOf(body: string): string {
  try {
    const e = JSON.parse(body) as { error?: unknown };
    return typeof e.error === 'string' ? ` (${e.error.slice(0, 100)})` : '';
  } catch {
    return '';
  }
}
