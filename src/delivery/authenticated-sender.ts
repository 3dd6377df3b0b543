// Sends a delivery with the endpoint's auth applied, refreshing an OAuth2 token once when the endpoint answers 401.
import { performance } from 'node:perf_hooks';
import type { Clock } from '../core/index.js';
import { staticAuthHeaders, type EndpointAuth } from './endpoint-auth.js';
import type { HttpSender, SendRequest } from './http-sender.js';
import { OAuth2TokenCache, type TokenResult } from './oauth2-token-cache.js';
import type { SendResult } from './send-result.js';

/**
 * The delivery worker's sender. Auth headers win over the endpoint's own headers of the same name. A 401 with
 * OAuth2 drops the token and retries once with a fresh one inside the same attempt; a second 401 is the
 * attempt's result (a failure like any other). The request's `timeoutMs` bounds the whole attempt, the token
 * requests and the resend included. `requestHeaders` in the result holds the credentials: store them only through
 * `redactHeaders`.
 */
export class AuthenticatedSender {
  readonly tokens: OAuth2TokenCache;

  constructor(
    private readonly sender: HttpSender,
    clock: Clock,
    opts: { tokenTimeoutMs?: number; defaultTokenLifetimeMs?: number } = {},
  ) {
    this.tokens = new OAuth2TokenCache({
      sender,
      clock,
      ...(opts.tokenTimeoutMs !== undefined ? { tokenTimeoutMs: opts.tokenTimeoutMs } : {}),
      ...(opts.defaultTokenLifetimeMs !== undefined
        ? { defaultLifetimeMs: opts.defaultTokenLifetimeMs }
        : {}),
    });
  }

  /**
   * `request` may be a function building the request: it is then built when it goes out, once the OAuth2 token is in
   * hand (again for the resend after a 401), so what it signs with a timestamp is not made stale by the token wait.
   */
  async send(
    endpointId: string,
    auth: EndpointAuth,
    request: SendRequest | (() => SendRequest),
  ): Promise<SendResult> {
    const build = typeof request === 'function' ? request : () => request;
    let req = build();
    const base = lowerKeys(req.headers);
    if (auth.type !== 'oauth2_client_credentials') {
      return this.sender.send({ ...req, headers: { ...base, ...staticAuthHeaders(auth) } });
    }
    // The attempt's deadline, in real time (the clock may be a test's): the token wait and every send fit in it.
    const started = performance.now();
    const timeoutMs = req.timeoutMs;
    const left = () => Math.max(0, Math.round(timeoutMs - (performance.now() - started)));
    let refreshed = false;
    while (true) {
      const token = await withinDeadline(this.tokens.token(endpointId, auth), left(), timeoutMs);
      if (!token.ok)
        return {
          requestHeaders: base,
          headers: {},
          body: '',
          bodyTruncated: false,
          latencyMs: 0,
          error: token.error,
        };
      req = build();
      const sendTimeoutMs = Math.max(1, left());
      const result = await this.sender.send({
        ...req,
        headers: { ...lowerKeys(req.headers), authorization: `Bearer ${token.token}` },
        timeoutMs: sendTimeoutMs,
      });
      // Timed out on what the token wait left of the endpoint's timeout: said in the endpoint's terms.
      if (result.error?.kind === 'timeout' && sendTimeoutMs < timeoutMs) {
        result.error = {
          kind: 'timeout',
          message:
            `no complete answer within ${timeoutMs} ms (${timeoutMs - sendTimeoutMs} ms of it ` +
            (refreshed
              ? 'on the request answered 401 and a new OAuth2 token)'
              : 'waiting for the OAuth2 token)'),
        };
      }
      if (result.status !== 401 || refreshed) return result;
      this.tokens.invalidate(endpointId, token.token);
      refreshed = true;
    }
  }
}

/**
 * The token, or an `auth` failure once the attempt's time is up. The token request itself goes on (it is shared with
 * other deliveries and cached when it answers); only this attempt stops waiting for it.
 */
async function withinDeadline(
  pending: Promise<TokenResult>,
  ms: number,
  timeoutMs: number,
): Promise<TokenResult> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<TokenResult>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          ok: false,
          error: {
            kind: 'auth',
            message: `OAuth2 token request: no answer within ${timeoutMs} ms, the endpoint's timeout`,
          },
        }),
      ms,
    );
  });
  try {
    return await Promise.race([pending, expired]);
  } finally {
    clearTimeout(timer);
  }
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = v;
  return out;
}
