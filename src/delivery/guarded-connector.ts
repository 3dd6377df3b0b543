// The SSRF guard inside the socket layer: resolve, check every address, connect only to an address that passed.
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';
import { EventhookError } from '../core/index.js';
import type { AddressPolicy } from './address-policy.js';

export interface LookupAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has. Injectable so tests can make `evil.example` point at 127.0.0.1. */
export type LookupFn = (hostname: string) => Promise<LookupAddress[]>;

export const systemLookup: LookupFn = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

export function forbiddenAddress(address: string, reason: string): EventhookError {
  return new EventhookError('EH_DELIVERY_FORBIDDEN_ADDRESS', { address, reason });
}

/**
 * A `lookup` for net/tls.connect. The socket connects to what this returns, so the address checked is the
 * address used: there is no second resolution an attacker's DNS could answer differently (rebinding).
 * Refused addresses are dropped; when none is left the connection fails with EH_DELIVERY_FORBIDDEN_ADDRESS.
 */
export function guardedLookup(policy: AddressPolicy, lookup: LookupFn): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname).then(
      (all) => {
        const wanted =
          options.family === 4 || options.family === 6 ? all.filter((a) => a.family === options.family) : all;
        if (wanted.length === 0) {
          const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
            code: 'ENOTFOUND',
            syscall: 'getaddrinfo',
            hostname,
          });
          callback(err, '', 0);
          return;
        }
        const verdicts = wanted.map((a) => ({ a, v: policy.check(a.address, hostname) }));
        const passed = verdicts.filter((x) => x.v.ok).map((x) => x.a);
        if (passed.length === 0) {
          const reasons = verdicts
            .map((x) => `${x.a.address}: ${x.v.ok ? 'allowed' : x.v.reason}`)
            .join('; ');
          callback(forbiddenAddress(hostname, reasons), '', 0);
        } else if (options.all === true) {
          callback(null, passed);
        } else {
          callback(null, passed[0]!.address, passed[0]!.family);
        }
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

export type Connector = buildConnector.connector;

/**
 * An undici connector that applies the policy. Host names go through `guardedLookup`; IP literals never reach a
 * lookup (net connects to them directly), so they are checked here before any socket is opened.
 */
export function guardedConnector(
  policy: AddressPolicy,
  lookup: LookupFn,
  socket: { ca?: string | Buffer; rejectUnauthorized?: boolean; timeout?: number } = {},
): Connector {
  const base = buildConnector({ lookup: guardedLookup(policy, lookup), ...socket });
  return (opts, callback) => {
    if (isIP(opts.hostname) !== 0) {
      const verdict = policy.check(opts.hostname);
      if (!verdict.ok) {
        callback(forbiddenAddress(opts.hostname, verdict.reason), null);
        return;
      }
    }
    base(opts, callback);
  };
}

/** The largest answer guardedFetch reads: a JWT key set is a few KiB. */
export const GUARDED_FETCH_MAX_BYTES = 1024 * 1024;

/**
 * A fetch for the server's own outbound requests other than deliveries (JWT key sets): every connection, redirects
 * included, goes through the same address policy, and no answer is read past `maxBytes` (the URL is a source
 * admin's: their server must not fill this process's memory); a larger one fails as a network error would.
 */
export function guardedFetch(
  policy: AddressPolicy,
  lookup: LookupFn = systemLookup,
  maxBytes = GUARDED_FETCH_MAX_BYTES,
): (url: string, init?: RequestInit) => Promise<Response> {
  const dispatcher = new Agent({ connect: guardedConnector(policy, lookup) });
  const tooLarge = () => new Error(`the answer is larger than ${maxBytes} bytes`);
  return async (url, init) => {
    const res = (await undiciFetch(url, { ...init, dispatcher } as never)) as unknown as Response;
    if (Number(res.headers.get('content-length')) > maxBytes) {
      await res.body?.cancel();
      throw tooLarge();
    }
    if (res.body === null) return res;
    let seen = 0;
    const capped = res.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength;
          if (seen > maxBytes) controller.error(tooLarge());
          else controller.enqueue(chunk);
        },
      }),
    );
    return new Response(capped, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}
