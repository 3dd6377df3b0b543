// IP literals and CIDR blocks for `cidr` and for exact values that are IP addresses (which, as in AWS's
// event-ruler, match any spelling of the same address, e.g. "::1" and "0:0:0:0:0:0:0:1").
import ipaddr from 'ipaddr.js';
import type { IpAddress, IpRange } from './pattern-types.js';

// The same shapes event-ruler accepts, less IPv4 parts with a leading zero; anything else is an ordinary string,
// never an address (no host names). "010.1.2.3" is 10.1.2.3 to Java, but 8.1.2.3 to inet_aton, curl, ping and many
// firewalls (octal): reading it either way would let a value pass a `cidr` block that a system using it is not in, so
// such a text is no address at all (it matches neither `cidr` nor another spelling of an address).
const IPV4_SHAPE = /^(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)$/;
const IPV6_SHAPE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;

/** The address a string spells, or undefined if it is not an IPv4/IPv6 literal. */
export function parseIp(text: string): IpAddress | undefined {
  if (IPV4_SHAPE.test(text)) {
    let n = 0;
    for (const part of text.split('.')) {
      const octet = Number(part);
      if (octet > 255) return undefined;
      n = n * 256 + octet;
    }
    return { v: 4, n };
  }
  if (IPV6_SHAPE.test(text) && ipaddr.IPv6.isValid(text)) {
    const hex = ipaddr.IPv6.parse(text)
      .parts.map((p) => p.toString(16).padStart(4, '0'))
      .join('')
      .toUpperCase();
    return { v: 6, hex };
  }
  return undefined;
}

/** True when two addresses are the same address. */
export function sameIp(a: IpAddress, b: IpAddress): boolean {
  return a.v === 4 ? b.v === 4 && a.n === b.n : b.v === 6 && a.hex === b.hex;
}

/** True when `ip` lies in `range` (same family only). */
export function ipInRange(ip: IpAddress, range: IpRange): boolean {
  if (ip.v === 4) return range.v === 4 && ip.n >= range.lo && ip.n <= range.hi;
  return range.v === 6 && ip.hex >= range.lo && ip.hex <= range.hi;
}

/**
 * Parses "address/bits" into the range event-ruler matches, or returns the reason it is malformed. As in
 * event-ruler, the range runs from the address as written to the end of its block (write the network address to
 * cover the whole block), and the mask must be below the address width (/32 and /128 are rejected).
 */
export function parseCidr(text: string): IpRange | string {
  const slashed = text.split('/');
  if (slashed.length !== 2) return "Malformed CIDR, one '/' required";
  const [address = '', bitsText = ''] = slashed;
  if (!/^[+-]?[0-9]+$/.test(bitsText)) return 'Malformed CIDR, mask bits must be an integer';
  const bits = Number(bitsText);
  if (bits < 0) return 'Malformed CIDR, mask bits must not be negative';
  const ip = parseIp(address);
  if (ip === undefined) return `Invalid IP address: ${address}`;
  if (ip.v === 4) {
    if (bits > 31) return 'IPv4 mask bits must be < 32';
    const hostBits = 32 - bits;
    // Arithmetic, not bit operators: JavaScript's are signed 32-bit.
    const span = 2 ** hostBits;
    return { v: 4, lo: ip.n, hi: ip.n - (ip.n % span) + span - 1 };
  }
  if (bits > 127) return 'IPv6 mask bits must be < 128';
  return { v: 6, lo: ip.hex, hi: ipv6BlockEnd(ip.hex, bits) };
}

/** Sets every bit after the first `bits` bits of a 32-digit hex address. */
function ipv6BlockEnd(hex: string, bits: number): string {
  let out = '';
  for (let i = 0; i < 32; i++) {
    const digitStart = i * 4;
    const digit = parseInt(hex.charAt(i), 16);
    const kept = Math.max(0, Math.min(4, bits - digitStart));
    const hostMask = (1 << (4 - kept)) - 1;
    out += (digit | hostMask).toString(16);
  }
  return out.toUpperCase();
}
