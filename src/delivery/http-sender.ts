// The outbound HTTP sender: pooled per origin, SSRF-guarded, never follows redirects, never throws for network failures.
import { Agent, type Dispatcher } from 'undici';
import type { AddressPolicy } from './address-policy.js';
import { guardedConnector, systemLookup, type LookupFn } from './guarded-connector.js';
import { ResponseCollector } from './response-collector.js';
import type { SendResult } from './send-result.js';

export const DEFAULT_RESPONSE_BODY_CAP = 16 * 1024;
export const DEFAULT_USER_AGENT = 'Eventhook-Webhooks/1.0';
/** Connections per origin; per-endpoint maxConcurrency is the finer limit, this one only bounds sockets. */
export const DEFAULT_CONNECTIONS_PER_ORIGIN = 64;

/** Headers the sender owns (framing, connection, host); an endpoint's own headers may not set them. */
export const RESERVED_REQUEST_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'expect',
  'te',
  'trailer',
  'proxy-connection',
]);

export interface HttpSenderOptions {
  policy: AddressPolicy;
  lookup?: LookupFn;
  responseBodyCap?: number;
  connectionsPerOrigin?: number;
  /** Extra trust for TLS (a private CA), mainly for tests and on-premises receivers. */
  tls?: { ca?: string | Buffer; rejectUnauthorized?: boolean };
  userAgent?: string;
  /**
   * Bound on DNS + TCP + TLS for one connection, independent of any request's deadline: a request that timed
   * out while its connection was still being made releases its slot at once, but the attempt to connect runs
   * on until this bound (and `close()` waits for it). Default 10 s.
   */
  connectTimeoutMs?: number;
}

export interface SendRequest {
  url: string;
  /** Default POST. */
  method?: string;
  headers: Record<string, string>;
  body: Buffer | string;
  /** Covers everything: DNS, connect, TLS, waiting for the answer and reading its body. */
  timeoutMs: number;
  /** Bytes of the answer's body kept, when not the sender's cap (an OAuth2 token's answer must be read whole). */
  responseBodyCap?: number;
}

/**
 * Sends deliveries. One undici Agent keeps a pool per origin, so a slow receiver ties up only its own
 * connections. Redirects are returned as responses (a 3xx), never followed: following one would let a
 * receiver point us anywhere after the address check.
 */
export class HttpSender {
  private readonly agent: Agent;
  private readonly bodyCap: number;
  private readonly userAgent: string;

  constructor(opts: HttpSenderOptions) {
    this.bodyCap = opts.responseBodyCap ?? DEFAULT_RESPONSE_BODY_CAP;
    this.userAgent = opts.userAgent ?? DEFAULT_USER_AGENT;
    this.agent = new Agent({
      connect: guardedConnector(opts.policy, opts.lookup ?? systemLookup, {
        ...opts.tls,
        timeout: opts.connectTimeoutMs ?? 10_000,
      }),
      connections: opts.connectionsPerOrigin ?? DEFAULT_CONNECTIONS_PER_ORIGIN,
      pipelining: 1,
    });
  }

  send(req: SendRequest): Promise<SendResult> {
    const requestHeaders = this.requestHeaders(req.headers);
    return new Promise((resolve) => {
      const collector = new ResponseCollector(
        req.responseBodyCap ?? this.bodyCap,
        req.timeoutMs,
        requestHeaders,
        resolve,
      );
      const url = parseTargetUrl(req.url);
      if (typeof url === 'string') {
        collector.fail(Object.assign(new Error(url), { code: 'ERR_INVALID_URL' }));
        return;
      }
      try {
        this.agent.dispatch(
          {
            origin: url.origin,
            path: url.pathname + url.search,
            method: (req.method ?? 'POST') as Dispatcher.HttpMethod,
            headers: requestHeaders,
            body: req.body,
          },
          collector,
        );
      } catch (err) {
        collector.fail(err);
      }
    });
  }

  /** Waits for requests in flight, then closes every connection. */
  async close(): Promise<void> {
    await this.agent.close();
  }

  /** Closes every connection now; requests in flight end with a connection error. */
  async destroy(): Promise<void> {
    await this.agent.destroy();
  }

  private requestHeaders(given: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = { 'user-agent': this.userAgent };
    for (const [name, value] of Object.entries(given)) {
      const lower = name.toLowerCase();
      if (!RESERVED_REQUEST_HEADERS.has(lower)) out[lower] = value;
    }
    return out;
  }
}

/** The URL, or why it can never be sent to. */
function parseTargetUrl(text: string): URL | string {
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (url === undefined) return `not a valid URL: ${text}`;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `unsupported scheme ${url.protocol}`;
  if (url.username !== '' || url.password !== '')
    return 'credentials in the URL are not supported; use basic auth';
  return url;
}
