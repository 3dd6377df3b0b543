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
