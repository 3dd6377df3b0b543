// SSRF address policy: every refused class, IPv4 embedded in IPv6, and the operator allow-list.
import { describe, expect, it } from 'vitest';
import { isEventhookError } from '../../src/core/index.js';
import { AddressPolicy, forbiddenReason, parseAllowList } from '../../src/delivery/index.js';

const strict = AddressPolicy.strict();

describe('AddressPolicy (default)', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'], // 0.0.0.0/8
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.1.1', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['169.254.170.2', 'metadata'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.100.100.200', 'metadata'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.0.8', 'reserved'], // 192.0.0.0/24
    ['192.0.2.1', 'reserved'], // TEST-NET-1
    ['198.18.0.1', 'reserved'], // benchmarking 198.18.0.0/15
    ['198.19.255.1', 'reserved'],
    ['240.0.0.1', 'reserved'], // 240.0.0.0/4
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['fd00:ec2::254', 'metadata'],
    ['ff02::1', 'multicast'],
    ['ff0e::1', 'multicast'],
    ['2001:db8::1', 'reserved'], // documentation
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::7f00:1', 'loopback'], // NAT64 of 127.0.0.1
    ['2002:c0a8:101::1', 'private'], // 6to4 of 192.168.1.1
  ])('refuses %s (%s)', (ip, why) => {
    const verdict = strict.check(ip);
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.reason).toContain(why);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.216.34',
    '2606:4700:4700::1111',
    '2a00:1450:4001::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
  ])('allows public %s', (ip) => {
    expect(strict.check(ip)).toEqual({ ok: true });
    expect(forbiddenReason(ip)).toBeUndefined();
  });

  it('refuses what is not an IP address', () => {
    expect(strict.check('example.com')).toEqual({ ok: false, reason: 'not an IP address' });
  });
});

describe('AddressPolicy.fromAllowList', () => {
  it('opens CIDR ranges and single IPs, including their IPv4-mapped forms', () => {
    const p = AddressPolicy.fromAllowList(['127.0.0.1/32', '10.0.0.0/8', 'fd00:1::/32', '[::1]']);
    expect(p.check('127.0.0.1').ok).toBe(true);
    expect(p.check('::ffff:127.0.0.1').ok).toBe(true);
    expect(p.check('127.0.0.2').ok).toBe(false);
    expect(p.check('10.200.1.1').ok).toBe(true);
    expect(p.check('fd00:1:2::3').ok).toBe(true);
    expect(p.check('fd00:2::3').ok).toBe(false);
    expect(p.check('::1').ok).toBe(true);
    expect(p.check('192.168.0.1').ok).toBe(false);
  });

  it('opens host names (exact, or *.suffix) whatever they resolve to', () => {
    const p = AddressPolicy.fromAllowList(['localhost', '*.svc.internal']);
    expect(p.check('127.0.0.1', 'localhost').ok).toBe(true);
    expect(p.check('::1', 'LOCALHOST.').ok).toBe(true);
    expect(p.check('10.1.1.1', 'hooks.svc.internal').ok).toBe(true);
    expect(p.check('10.1.1.1', 'svc.internal').ok).toBe(false);
    expect(p.check('127.0.0.1', 'evil.example').ok).toBe(false);
    expect(p.check('127.0.0.1').ok).toBe(false);
  });

  it('opens a metadata address only when named exactly, never through a broader range or a host name', () => {
    const broad = AddressPolicy.fromAllowList(['169.254.0.0/16', 'fd00::/8', 'metadata.internal']);
    expect(broad.check('169.254.10.10').ok).toBe(true);
    expect(broad.check('169.254.169.254').ok).toBe(false);
    expect(broad.check('::ffff:169.254.169.254').ok).toBe(false);
    expect(broad.check('fd00:ec2::254').ok).toBe(false);
    expect(broad.check('169.254.169.254', 'metadata.internal').ok).toBe(false);
    expect(AddressPolicy.fromAllowList(['169.254.169.254']).check('169.254.169.254').ok).toBe(true);
  });

  it.each([['10.0.0.0/33'], ['127.1'], ['nope!'], ['1.2.3.4/x'], ['0x7f000001']])(
    'rejects the entry %s, naming it',
    (entry) => {
      let caught: unknown;
      try {
        AddressPolicy.fromAllowList(['127.0.0.1', entry]);
      } catch (err) {
        caught = err;
      }
      expect(isEventhookError(caught, 'EH_CONFIG_INVALID')).toBe(true);
      expect((caught as Error).message).toContain(`EVENTHOOK_OUTBOUND_ALLOW[1]: "${entry}"`);
    },
  );

  it('parses the environment variable form', () => {
    expect(parseAllowList(' 127.0.0.1/32, localhost  10.0.0.0/8,,')).toEqual([
      '127.0.0.1/32',
      'localhost',
      '10.0.0.0/8',
    ]);
    expect(parseAllowList(undefined)).toEqual([]);
  });
});
