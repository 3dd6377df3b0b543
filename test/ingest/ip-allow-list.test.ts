// IP allow-lists: IPv4/IPv6 CIDR, IPv4-mapped addresses, X-Forwarded-For only via trusted proxies, fail closed.
import { describe, expect, it } from 'vitest';
import { IpAllowList, isAllowed, validateIpList } from '../../src/ingest/ip-allow-list.js';

const cfg = (allow: string[], trustedProxies: string[] = []) => ({ allow, trustedProxies });

describe('ip allow-list', () => {
  it('matches IPv4 and IPv6 ranges and bare addresses', () => {
    const list = new IpAllowList(cfg(['192.30.252.0/22', '2a0a:a440::/29', '203.0.113.9']));
    expect(list.isAllowed('192.30.253.17', undefined)).toBe(true);
    expect(list.isAllowed('192.30.256.1', undefined)).toBe(false);
    expect(list.isAllowed('2a0a:a440:1::7', undefined)).toBe(true);
    expect(list.isAllowed('2a0b::1', undefined)).toBe(false);
    expect(list.isAllowed('203.0.113.9', undefined)).toBe(true);
    expect(list.isAllowed('203.0.113.10', undefined)).toBe(false);
  });

  it('treats IPv4-mapped IPv6 peers as IPv4', () => {
    expect(isAllowed('::ffff:192.30.252.1', undefined, cfg(['192.30.252.0/22']))).toBe(true);
    expect(isAllowed('192.30.252.1', undefined, cfg(['::ffff:192.30.252.0/118']))).toBe(true);
  });

  it('believes X-Forwarded-For only when the peer is a trusted proxy, reading right to left', () => {
    const list = new IpAllowList(cfg(['198.51.100.0/24'], ['10.0.0.0/8']));
    expect(list.isAllowed('10.1.2.3', '198.51.100.7')).toBe(true);
    expect(list.isAllowed('10.1.2.3', '198.51.100.7, 10.9.9.9')).toBe(true);
    // a client cannot smuggle an allowed address in front of its own
    expect(list.isAllowed('10.1.2.3', '198.51.100.7, 203.0.113.66')).toBe(false);
    // an untrusted peer's header is ignored
    expect(list.isAllowed('203.0.113.66', '198.51.100.7')).toBe(false);
    expect(list.isAllowed('10.1.2.3', 'garbage')).toBe(false);
  });

  describe('trusted proxies at IPv6 addresses', () => {
    const allow = ['198.51.100.0/24', '2001:db8::/32'];
    const client = (list: IpAllowList, peer: string, xff: string | undefined) =>
      list.clientAddress(peer, xff)?.toString();

    it('a proxy at ::1 forwards for IPv4 and IPv6 clients', () => {
      const list = new IpAllowList(cfg(allow, ['::1']));
      expect(client(list, '::1', '198.51.100.7')).toBe('198.51.100.7');
      expect(list.isAllowed('::1', '198.51.100.7')).toBe(true);
      expect(client(list, '::1', '2001:db8::5')).toBe('2001:db8::5');
      expect(list.isAllowed('::1', '2001:db8::5')).toBe(true);
      expect(list.isAllowed('::1', '203.0.113.66')).toBe(false);
      expect(list.isAllowed('::1', '2001:db9::5')).toBe(false);
      // The same address written out in full, and a bracketed hop (as some proxies send IPv6).
      expect(list.isAllowed('0:0:0:0:0:0:0:1', '198.51.100.7')).toBe(true);
      expect(client(list, '::1', '[2001:db8::5]')).toBe('2001:db8::5');
    });

    it('a proxy in fd00::/8 forwards for IPv4 and IPv6 clients; fc00::/8 is not in it', () => {
      const list = new IpAllowList(cfg(allow, ['fd00::/8']));
      expect(list.isAllowed('fd12:3456::1', '198.51.100.7')).toBe(true);
      expect(list.isAllowed('fdff:ffff::9', '2001:db8::5')).toBe(true);
      expect(list.isAllowed('fd12:3456::1', '203.0.113.66')).toBe(false);
      // Just outside the proxy range: the peer itself is the client, its header ignored.
      expect(client(list, 'fc00::1', '198.51.100.7')).toBe('fc00::1');
      expect(list.isAllowed('fc00::1', '198.51.100.7')).toBe(false);
    });

    it('a dual-stack peer ::ffff:127.0.0.1 is the IPv4 proxy 127.0.0.0/8, in either spelling', () => {
      const list = new IpAllowList(cfg(allow, ['127.0.0.0/8']));
      expect(client(list, '::ffff:127.0.0.1', '198.51.100.7')).toBe('198.51.100.7');
      expect(list.isAllowed('::ffff:127.0.0.1', '2001:db8::5')).toBe(true);
      expect(list.isAllowed('::ffff:7f00:1', '198.51.100.7')).toBe(true);
      // A mapped client in the header is the IPv4 client too.
      expect(client(list, '::ffff:127.0.0.1', '::ffff:198.51.100.7')).toBe('198.51.100.7');
      // A proxy entry written as a mapped range trusts the plain IPv4 peer as well.
      const mappedEntry = new IpAllowList(cfg(allow, ['::ffff:127.0.0.0/104']));
      expect(mappedEntry.isAllowed('127.0.0.1', '198.51.100.7')).toBe(true);
      expect(mappedEntry.isAllowed('::ffff:127.0.0.1', '198.51.100.7')).toBe(true);
    });

    it('::1 and 127.0.0.1 are different proxies: trusting one does not trust the other', () => {
      expect(new IpAllowList(cfg(allow, ['::1'])).isAllowed('127.0.0.1', '198.51.100.7')).toBe(false);
      expect(new IpAllowList(cfg(allow, ['127.0.0.1'])).isAllowed('::1', '198.51.100.7')).toBe(false);
    });

    it("ignores an untrusted IPv6 peer's X-Forwarded-For, whichever way it would tip", () => {
      const list = new IpAllowList(cfg(allow, ['::1', 'fd00::/8']));
      expect(client(list, '2001:db9::1', '198.51.100.7')).toBe('2001:db9::1');
      expect(list.isAllowed('2001:db9::1', '198.51.100.7')).toBe(false);
      // An allowed peer stays allowed, whatever it claims to forward for.
      expect(list.isAllowed('2001:db8::1', '203.0.113.66')).toBe(true);
      expect(list.isAllowed('2001:db8::1', 'garbage')).toBe(true);
    });

    it('walks a chain of proxies right to left to the first untrusted hop', () => {
      const list = new IpAllowList(cfg(allow, ['::1', 'fd00::/8', '10.0.0.0/8']));
      // client, then proxies in IPv6 and IPv4; what the client wrote before itself does not count.
      const chain = '203.0.113.66, 198.51.100.7, fd00::2, 10.0.0.5';
      expect(client(list, '::1', chain)).toBe('198.51.100.7');
      expect(list.isAllowed('::1', chain)).toBe(true);
      expect(client(list, '::1', '198.51.100.7, 2001:db8::5, fd00::2')).toBe('2001:db8::5');
      expect(list.isAllowed('::1', '2001:db8::5, 203.0.113.66, fd00::2')).toBe(false);
      // Garbage left of the client is not read; garbage between the proxies and the client refuses.
      expect(client(list, '::1', 'garbage, 198.51.100.7, fd00::2')).toBe('198.51.100.7');
      expect(client(list, '::1', '198.51.100.7, garbage, fd00::2')).toBeUndefined();
      expect(list.isAllowed('::1', '198.51.100.7, garbage, fd00::2')).toBe(false);
      // Every hop a proxy: the leftmost is as far as the chain goes.
      expect(client(list, '::1', '10.0.0.9, fd00::2')).toBe('10.0.0.9');
    });
  });

  it('allows everyone without a list, and refuses unparseable peers when there is one', () => {
    expect(isAllowed('anything', undefined, cfg([]))).toBe(true);
    expect(isAllowed('not-an-ip', undefined, cfg(['0.0.0.0/0']))).toBe(false);
    expect(isAllowed('127.1', undefined, cfg(['127.0.0.0/8']))).toBe(false);
  });

  it('reports each bad entry at save time', () => {
    expect(() => validateIpList(['10.0.0.0/8', '10.0.0.0/33', 'example.com'], 'allow')).toThrow(
      expect.objectContaining({
        code: 'EH_SOURCE_INVALID',
        issues: [
          expect.objectContaining({ path: '/allow/1' }),
          expect.objectContaining({ path: '/allow/2' }),
        ],
      }),
    );
  });
});
