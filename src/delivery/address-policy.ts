// SSRF policy: which resolved IP addresses outbound deliveries may connect to, and the operator's allow-list.
import ipaddr from 'ipaddr.js';
import { EventhookError } from '../core/index.js';

type Ip = ipaddr.IPv4 | ipaddr.IPv6;
export type AddressCheck = { ok: true } | { ok: false; reason: string };

/**
 * Cloud instance-metadata services. Most already sit in a refused range (link-local, CGNAT, unique-local); they
 * are named so the refusal says why, and so a broad allow-list entry (169.254.0.0/16) does not open them by
 * accident: only an entry naming the exact address does.
 */
const METADATA_ADDRESSES = [
  '169.254.169.254', // AWS, GCP, Azure, DigitalOcean, OpenStack
  '169.254.170.2', // AWS ECS task metadata
  '169.254.170.23', // AWS EKS pod identity
  '100.100.100.200', // Alibaba Cloud
  '192.0.0.192', // Oracle Cloud
  'fd00:ec2::254', // AWS IMDS over IPv6
  'fd00:ec2::23', // AWS EKS pod identity over IPv6
].map((a) => ipaddr.parse(a));

/** The reason of a metadata address, also when embedded in an IPv6 one ("… (embedded in …)"). */
const METADATA_REASON = 'a cloud metadata address';

const RANGE_NAMES: Record<string, string> = {
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'carrier-grade NAT (100.64.0.0/10)',
  private: 'private',
  reserved: 'reserved',
  benchmarking: 'benchmarking',
  amt: 'AMT relay anycast',
  as112: 'AS112 anycast',
  as112v6: 'AS112 anycast',
  uniqueLocal: 'unique-local (fc00::/7)',
  teredo: 'Teredo tunnel',
  orchid2: 'ORCHIDv2',
  droneRemoteIdProtocolEntityTags: 'reserved',
  deprecatedSiteLocal: 'site-local',
  deprecatedOrchid: 'ORCHID',
  discard: 'discard-only',
  segmentRouting: 'segment routing',
  rfc6052: 'NAT64 local-use',
};

const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

/** Addresses that carry an IPv4 address inside an IPv6 one are judged by the IPv4 address they reach. */
function embeddedIpv4(addr: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const p = addr.parts;
  const fromParts = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  if (addr.isIPv4MappedAddress()) return addr.toIPv4Address(); // ::ffff:a.b.c.d
  const range = addr.range();
  if (range === 'rfc6145') return fromParts(p[6] ?? 0, p[7] ?? 0); // ::ffff:0:a.b.c.d
  if (range === 'rfc6052' && p[1] === 0xff9b && p[2] === 0) return fromParts(p[6] ?? 0, p[7] ?? 0); // 64:ff9b::/96
  if (range === '6to4') return fromParts(p[1] ?? 0, p[2] ?? 0); // 2002:AABB:CCDD::/48
  return undefined;
}

/** Why an address must not be reached by default, or undefined for a public unicast address. */
export function forbiddenReason(ip: string): string | undefined {
  if (!ipaddr.isValid(ip)) return 'not an IP address';
  return reasonFor(ipaddr.parse(ip));
}

function reasonFor(addr: Ip): string | undefined {
  if (isMetadata(addr)) return METADATA_REASON;
  if (addr.kind() === 'ipv6') {
    const v6 = addr as ipaddr.IPv6;
    const v4 = embeddedIpv4(v6);
    if (v4 !== undefined) {
      const inner = reasonFor(v4);
      return inner === undefined ? undefined : `${inner} (embedded in ${v6.toString()})`;
    }
  }
  const range = addr.range();
  if (range !== 'unicast') return RANGE_NAMES[range] ?? range;
  if (addr.kind() === 'ipv6' && !addr.match(GLOBAL_UNICAST_V6)) return 'not global unicast';
  return undefined;
}

function isMetadata(addr: Ip): boolean {
  return METADATA_ADDRESSES.some(
    (m) => m.kind() === addr.kind() && m.toNormalizedString() === addr.toNormalizedString(),
  );
}

interface CidrEntry {
  text: string;
  range: [Ip, number];
  /** A single-address entry; only these open a metadata address. */
  exact: boolean;
}

const HOST_RE = /^(\*\.)?([a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/;

/** Splits EVENTHOOK_OUTBOUND_ALLOW ("127.0.0.1/32, 10.0.0.0/8 localhost") into entries. */
export function parseAllowList(text: string | undefined): string[] {
  return (text ?? '').split(/[\s,]+/).filter((e) => e !== '');
}

/**
 * The outbound address policy. By default every address that is not public unicast is refused: loopback,
 * private, link-local, CGNAT, multicast, reserved, unique-local, metadata, and IPv6 forms embedding such an
 * IPv4 address. The allow-list opens CIDR ranges, single IPs, and host names (`internal.example`, or
 * `*.svc.local` for subdomains); a host-name entry trusts whatever that name resolves to, except metadata.
 * Immutable once built.
 */
export class AddressPolicy {
  private constructor(
    private readonly cidrs: readonly CidrEntry[],
    private readonly hosts: readonly string[],
    private readonly hostSuffixes: readonly string[],
  ) {}

  /** Builds the policy, or throws EH_CONFIG_INVALID naming the first entry that is not an IP, CIDR or host name. */
  static fromAllowList(entries: readonly string[], source = 'EVENTHOOK_OUTBOUND_ALLOW'): AddressPolicy {
    const cidrs: CidrEntry[] = [];
    const hosts: string[] = [];
    const suffixes: string[] = [];
    entries.forEach((raw, i) => {
      const entry = raw.trim().toLowerCase();
      const unbracketed = entry.replace(/^\[(.*)\]$/, '$1');
      if (isStrictIp(unbracketed)) {
        const addr = ipaddr.parse(unbracketed);
        cidrs.push({ text: raw, range: [addr, addr.kind() === 'ipv4' ? 32 : 128], exact: true });
      } else if (entry.includes('/')) {
        if (!isStrictCidr(entry)) throw badEntry(source, i, raw, 'is not a valid CIDR range');
        const range = ipaddr.parseCIDR(entry);
        cidrs.push({ text: raw, range, exact: range[1] === (range[0].kind() === 'ipv4' ? 32 : 128) });
      } else {
        const host = entry.replace(/\.$/, '');
        if (!HOST_RE.test(host))
          throw badEntry(source, i, raw, 'is not an IP address, CIDR range or host name');
        // URLs read a numeric last label as IPv4 ("127.1", "0x7f000001"); ask for the dotted-quad form instead.
        if (/^(0x[0-9a-f]*|\d+)$/.test(host.slice(host.lastIndexOf('.') + 1))) {
          throw badEntry(source, i, raw, 'looks like an IPv4 address; write it as four decimal parts');
        }
        if (host.startsWith('*.')) suffixes.push(host.slice(1));
        else hosts.push(host);
      }
    });
    return new AddressPolicy(cidrs, hosts, suffixes);
  }

  /** The default policy: nothing private is reachable. */
  static strict(): AddressPolicy {
    return AddressPolicy.fromAllowList([]);
  }

  /** May a delivery connect to `ip`, reached through host name `host` (when it came from DNS)? */
  check(ip: string, host?: string): AddressCheck {
    if (!ipaddr.isValid(ip)) return { ok: false, reason: 'not an IP address' };
    const addr = ipaddr.parse(ip);
    const reason = reasonFor(addr);
    if (reason === undefined) return { ok: true };
    const metadata = reason.startsWith(METADATA_REASON) || isMetadata(unwrap(addr));
    if (this.cidrs.some((c) => (!metadata || c.exact) && matches(addr, c.range))) return { ok: true };
    if (!metadata && host !== undefined && this.hostAllowed(host)) return { ok: true };
    return { ok: false, reason };
  }

  /**
   * Why this policy refuses a URL whose host is an IP literal ("127.0.0.1 is loopback"), or undefined: the IP is
   * allowed, or the host is a name (judged where it resolves, at each connection). Lets a saved URL be refused at
   * once rather than at its first use. An unparsable URL is left to the caller's own check.
   */
  refusesUrl(url: string): string | undefined {
    if (!URL.canParse(url)) return undefined;
    const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
    if (!/^[\d.]+$/.test(host) && !host.includes(':')) return undefined;
    const verdict = this.check(host);
    return verdict.ok ? undefined : `${host} is ${verdict.reason}`;
  }

  private hostAllowed(host: string): boolean {
    const h = host.toLowerCase().replace(/\.$/, '');
    return this.hosts.includes(h) || this.hostSuffixes.some((s) => h.endsWith(s));
  }
}

function unwrap(addr: Ip): Ip {
  return addr.kind() === 'ipv6' ? (embeddedIpv4(addr as ipaddr.IPv6) ?? addr) : addr;
}

/** True when `addr`, or the IPv4 address it embeds, lies in `range`. */
function matches(addr: Ip, range: [Ip, number]): boolean {
  const inner = unwrap(addr);
  return [addr, inner].some((a) => a.kind() === range[0].kind() && a.match(range));
}

// ipaddr.js also accepts "127.1" and hex forms; an allow-list should say exactly what it means.
function isStrictIp(text: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(text) || (text.includes(':') && ipaddr.IPv6.isValid(text));
}

function isStrictCidr(text: string): boolean {
  return (
    ipaddr.IPv4.isValidCIDRFourPartDecimal(text) || (text.includes(':') && ipaddr.IPv6.isValidCIDR(text))
  );
}

function badEntry(source: string, index: number, raw: string, reason: string): EventhookError {
  return new EventhookError('EH_CONFIG_INVALID', { message: `${source}[${index}]: "${raw}" ${reason}` });
}
