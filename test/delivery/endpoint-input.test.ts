// Endpoint input checks: each refusal names its field; stored retry policies read back as written.
import { describe, expect, it } from 'vitest';
import {
  AddressPolicy,
  checkEndpointUrl,
  checkHeaders,
  formatDelay,
  retryFromPolicy,
  retryToPolicy,
} from '../../src/delivery/index.js';

const strict = AddressPolicy.strict();

function issueOf(fn: () => unknown): { path: string; message: string } {
  try {
    fn();
  } catch (err) {
    return (err as { issues: { path: string; message: string }[] }).issues[0]!;
  }
  throw new Error('expected a refusal');
}

describe('endpoint input', () => {
  it('refuses IP literals the SSRF policy refuses, and allows them once the allow-list opens them', () => {
    expect(issueOf(() => checkEndpointUrl('http://[::ffff:169.254.169.254]/', strict))).toMatchObject({
      path: '/url',
      message: expect.stringMatching(/metadata/),
    });
    expect(issueOf(() => checkEndpointUrl('http://127.0.0.1:9/', strict)).message).toMatch(/loopback/);
    expect(checkEndpointUrl('http://127.0.0.1:9/', AddressPolicy.fromAllowList(['127.0.0.1']))).toBe(
      'http://127.0.0.1:9/',
    );
    // Host names are checked after resolution, at delivery.
    expect(checkEndpointUrl('http://localhost/', strict)).toBe('http://localhost/');
  });

  it('keeps the headers Eventhook owns out of reach, lower-casing the rest', () => {
    expect(checkHeaders({ 'X-Tenant': 't1' })).toEqual({ 'x-tenant': 't1' });
    for (const name of ['Content-Type', 'svix-id', 'Webhook-Timestamp', 'Transfer-Encoding']) {
      expect(issueOf(() => checkHeaders({ [name]: 'x' }))).toEqual({
        path: `/headers/${name}`,
        message: `${name} is set by Eventhook itself`,
      });
    }
    expect(issueOf(() => checkHeaders({ 'x-a': 'bad\r\nvalue' })).path).toBe('/headers/x-a');
  });

  it('refuses one header given twice in different cases, rather than keep one value silently', () => {
    expect(issueOf(() => checkHeaders({ 'X-Tenant': 't1', 'x-tenant': 't2' }))).toEqual({
      path: '/headers/x-tenant',
      message: 'is given twice (as x-tenant and in another case); header names ignore case',
    });
  });

  it('stores retry schedules in ms and gives them back in the units they were written in', () => {
    const stored = retryFromPolicy({ schedule: ['500ms', '5s', '90s', '2h', '1d'], maxAttempts: 4 });
    expect(stored).toEqual({ delaysMs: [500, 5000, 90_000, 7_200_000, 86_400_000], maxAttempts: 4 });
    expect(retryToPolicy(stored)).toEqual({ schedule: ['500ms', '5s', '90s', '2h', '1d'], maxAttempts: 4 });
    expect(formatDelay(90_000)).toBe('90s');
    expect(issueOf(() => retryFromPolicy({ schedule: ['1s', '8d'] })).path).toBe('/retry/schedule/1');
  });
});
