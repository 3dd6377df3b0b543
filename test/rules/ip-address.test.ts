// IP literals and CIDR blocks, checked against the ranges event-ruler's own tests expect (CIDRTest).
import { describe, expect, it } from 'vitest';
import { ipInRange, parseCidr, parseIp } from '../../src/rules/ip-address.js';
import type { IpRange } from '../../src/rules/pattern-types.js';

const hex = (r: IpRange | string): string => {
  if (typeof r === 'string') return r;
  if (r.v === 6) return `${r.lo}/${r.hi}`;
  const h = (n: number): string => n.toString(16).toUpperCase().padStart(8, '0');
  return `${h(r.lo)}/${h(r.hi)}`;
};

describe('parseCidr', () => {
  it.each([
    ['10.0.0.0/24', '0A000000/0A0000FF'],
    ['54.240.196.171/24', '36F0C4AB/36F0C4FF'],
    ['192.0.2.0/24', 'C0000200/C00002FF'],
    ['13.32.0.0/15', '0D200000/0D21FFFF'],
    ['27.0.0.0/22', '1B000000/1B0003FF'],
    ['52.76.128.0/17', '344C8000/344CFFFF'],
    ['34.192.0.0/12', '22C00000/22CFFFFF'],
    ['0.0.0.0/0', '00000000/FFFFFFFF'],
    [
      '0011:2233:4455:6677:8899:aabb:ccdd:eeff/24',
      '00112233445566778899AABBCCDDEEFF/001122FFFFFFFFFFFFFFFFFFFFFFFFFF',
    ],
    ['2001:db8::ff00:42:8329/24', '20010DB8000000000000FF0000428329/20010DFFFFFFFFFFFFFFFFFFFFFFFFFF'],
    ['::1/24', '00000000000000000000000000000001/000000FFFFFFFFFFFFFFFFFFFFFFFFFF'],
    ['2400:6500:FF00::36FB:1F80/122', '24006500FF0000000000000036FB1F80/24006500FF0000000000000036FB1FBF'],
    ['2600:9000::/28', '26009000000000000000000000000000/2600900FFFFFFFFFFFFFFFFFFFFFFFFF'],
    ['2600:1F11::/36', '26001F11000000000000000000000000/26001F110FFFFFFFFFFFFFFFFFFFFFFF'],
    ['2600:1F14::/35', '26001F14000000000000000000000000/26001F141FFFFFFFFFFFFFFFFFFFFFFF'],
  ])('%s covers %s', (cidr, range) => {
    expect(hex(parseCidr(cidr))).toBe(range);
  });

  it.each([
    '192.168.0.1/33',
    'foo',
    'foo/bar/baz',
    '192.168.0.1/foo',
    '192.168.0.1/-3424',
    'snorkle/3',
    '10.10.10.10.10/3',
    '2.1.0.-1/3',
    '2400:6500:3:3:3:3:3:3:3:3FF00::36FB:1F80/122',
    '2400:6500:3:3:-5:3:3:3:3:3FF00::36FB:1F80/122',
    '2400:6500:FF00::36FB:1F80/222',
    '192.168.0.1/32',
    '010.0.0.0/8',
  ])('rejects %s', (cidr) => {
    expect(typeof parseCidr(cidr)).toBe('string');
  });
});

describe('parseIp', () => {
  it('reads IPv4 and IPv6 literals and nothing else', () => {
    expect(parseIp('10.0.0.1')).toEqual({ v: 4, n: 0x0a000001 });
    expect(parseIp('255.255.255.255')).toEqual({ v: 4, n: 0xffffffff });
    expect(parseIp('::1')).toEqual({ v: 6, hex: '00000000000000000000000000000001' });
    expect(parseIp('0:0:0:0:0:0:0:1')).toEqual(parseIp('::1'));
    for (const bad of [
      '700.168.0.1',
      'foo',
      '10.10.10.10.10',
      'example.com',
      '1.2.3',
      '::ffff:1.2.3.4',
      'dead:beef',
      '',
      // A leading zero: octal to many parsers (010 is 8), decimal to others, so no address at all.
      '010.1.2.3',
      '10.0.0.01',
      '00.0.0.0',
    ]) {
      expect(parseIp(bad), bad).toBeUndefined();
    }
  });

  it('places addresses in ranges of their own family only', () => {
    const v4 = parseCidr('10.0.0.0/8');
    const v6 = parseCidr('::/0');
    if (typeof v4 === 'string' || typeof v6 === 'string') throw new Error('valid CIDRs');
    expect(ipInRange(parseIp('10.200.3.4')!, v4)).toBe(true);
    expect(ipInRange(parseIp('11.0.0.0')!, v4)).toBe(false);
    expect(ipInRange(parseIp('::a00:1')!, v4)).toBe(false);
    expect(ipInRange(parseIp('10.0.0.1')!, v6)).toBe(false);
  });
});
