// Optional per-source IP allow-lists (SPEC §4.2): CIDR ranges over IPv4 and IPv6, with the client address taken
// from X-Forwarded-For only when the connection comes from a configured trusted proxy.
import ipaddr from 'ipaddr.js';
import { EventhookError } from '../core/index.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Range = [Address, number];

export interface IpAllowListConfig {
  /** CIDR ranges or single addresses allowed to call the source; empty = everyone. */
  readonly allow: readonly string[];
  /** Proxies whose X-Forwarded-For is believed (CIDR or addresses). */
  readonly trustedProxies: readonly string[];
}

/** Parses an address, unwrapping IPv4-mapped IPv6 (`::ffff:1.2.3.4`) and refusing odd IPv4 forms (`127.1`). */
export function parseAddress(text: string): Address | undefined {
  const trimmed = text.trim().replace(/^\[(.*)\]$/, '$1');
  if (ipaddr.IPv4.isValid(trimmed) && !ipaddr.IPv4.isValidFourPartDecimal(trimmed)) return undefined;
  if (!ipaddr.isValid(trimmed)) return undefined;
  return ipaddr.process(trimmed);
}

/** Parses `10.0.0.0/8`, `2001:db8::/32` or a bare address (a /32 or /128). */
export function parseRange(text: string): Range | undefined {
  const trimmed = text.trim();
  if (!trimmed.includes('/')) {
    const addr = parseAddress(trimmed);
    return addr ? [addr, addr.kind() === 'ipv4' ? 32 : 128] : undefined;
  }
  try {
    const [addr, bits] = ipaddr.parseCIDR(trimmed);
    if (addr.kind() === 'ipv4' && !ipaddr.IPv4.isValidFourPartDecimal(trimmed.split('/')[0] ?? ''))
      return undefined;
    // An IPv4-mapped IPv6 range (::ffff:10.0.0.0/104) is kept as the IPv4 range it names.
    if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
      return [(addr as ipaddr.IPv6).toIPv4Address(), bits - 96];
    }
    return [addr, bits];
  } catch {
    return undefined;
  }
}

/** Save-time check of a list; throws EH_SOURCE_INVALID naming each bad entry. */
export function validateIpList(list: readonly string[], field: string): void {
  const issues = list.flatMap((entry, i) =>
    parseRange(entry)
      ? []
      : [{ path: `/${field}/${i}`, message: `"${entry}" is not an IP address or CIDR range` }],
  );
  if (issues.length > 0) {
    throw new EventhookError(
      'EH_SOURCE_INVALID',
      { message: issues.map((i) => `${i.path}: ${i.message}`).join('; ') },
      { issues },
    );
  }
}

function inRanges(addr: Address, ranges: readonly Range[]): boolean {
  return ranges.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits));
}

/** A compiled allow-list; build once per source config. */
export class IpAllowList {
  private readonly allow: Range[];
  private readonly trusted: Range[];

  constructor(config: IpAllowListConfig) {
    validateIpList(config.allow, 'allow');
    validateIpList(config.trustedProxies, 'trustedProxies');
    this.allow = config.allow.map((r) => parseRange(r) as Range);
    this.trusted = config.trustedProxies.map((r) => parseRange(r) as Range);
  }

  /**
   * The client address: the peer, unless the peer is a trusted proxy, in which case X-Forwarded-For is read
   * right to left and the first address that is not itself a trusted proxy is the client. Undefined when an
   * address that matters cannot be parsed.
   */
  clientAddress(remoteAddress: string, forwardedFor: string | undefined): Address | undefined {
    let client = parseAddress(remoteAddress);
    if (!client || !forwardedFor || !inRanges(client, this.trusted)) return client;
    const hops = forwardedFor
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = parseAddress(hops[i] ?? '');
      if (!hop) return undefined; // a garbled hop: the chain cannot be trusted
      client = hop;
      if (!inRanges(hop, this.trusted)) break;
    }
    return client;
  }

  /** True when no allow-list is set, or the client address lies in it. Unparseable addresses are refused. */
  isAllowed(remoteAddress: string, forwardedFor: string | undefined): boolean {
    if (this.allow.length === 0) return true;
    const client = this.clientAddress(remoteAddress, forwardedFor);
    return client !== undefined && inRanges(client, this.allow);
  }
}

// Compiled lists by config, so the route can call isAllowed with plain config on every request.
const COMPILED = new Map<string, IpAllowList>();

/** Convenience over IpAllowList with a small cache keyed by the config; throws EH_SOURCE_INVALID for bad entries. */
export function isAllowed(
  remoteAddress: string,
  forwardedFor: string | undefined,
  config: IpAllowListConfig,
): boolean {
  if (config.allow.length === 0) return true;
  const id = `${config.allow.join(',')}|${config.trustedProxies.join(',')}`;
  let list = COMPILED.get(id);
  if (!list) {
    list = new IpAllowList(config);
    if (COMPILED.size >= 1000) COMPILED.delete(COMPILED.keys().next().value as string);
    COMPILED.set(id, list);
  }
  return list.isAllowed(remoteAddress, forwardedFor);
}
