// Settings that once took any value, and so started a process that misbehaved later (a Retry-After cap of 0, a dedup
// window of 0, endpoints disabled at their first failure, a sandbox no script fits in, a NATS URL the client cannot
// use): each is refused at start, naming the setting and its range.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';

const load = (env: Record<string, string>) =>
  loadConfig({ EVENTHOOK_DATA_DIR: '/tmp/eh-config-test', ...env });
const refused = (env: Record<string, string>, message: string) =>
  expect(() => load(env)).toThrow(`Invalid configuration: ${message}`);

describe('bounded settings', () => {
  it('take values within their ranges', () => {
    expect(
      load({
        EVENTHOOK_RETRY_AFTER_CAP: '24h',
        EVENTHOOK_DEDUP_WINDOW: '1s',
        EVENTHOOK_ENDPOINT_DISABLE_AFTER: '1m',
        EVENTHOOK_SANDBOX_MEMORY: '1GiB',
      }),
    ).toMatchObject({
      retryAfterCapMs: 86_400_000,
      dedupWindowMs: 1_000,
      endpointDisableAfterMs: 60_000,
      sandboxMemoryBytes: 1024 ** 3,
    });
    expect(load({})).toMatchObject({
      retryAfterCapMs: 3_600_000,
      dedupWindowMs: 7 * 86_400_000,
      endpointDisableAfterMs: 5 * 86_400_000,
      sandboxMemoryBytes: 32 * 1024 ** 2,
    });
  });

  it('refuse values out of range, naming the setting and the range', () => {
    refused({ EVENTHOOK_RETRY_AFTER_CAP: '0' }, 'EVENTHOOK_RETRY_AFTER_CAP must be from 1s to 24h, got "0"');
    refused(
      { EVENTHOOK_RETRY_AFTER_CAP: '2d' },
      'EVENTHOOK_RETRY_AFTER_CAP must be from 1s to 24h, got "2d"',
    );
    refused({ EVENTHOOK_DEDUP_WINDOW: '0' }, 'EVENTHOOK_DEDUP_WINDOW must be from 1s to 90d, got "0"');
    refused({ EVENTHOOK_DEDUP_WINDOW: '91d' }, 'EVENTHOOK_DEDUP_WINDOW must be from 1s to 90d, got "91d"');
    refused(
      { EVENTHOOK_ENDPOINT_DISABLE_AFTER: '0' },
      'EVENTHOOK_ENDPOINT_DISABLE_AFTER must be from 1m to 365d, got "0"',
    );
    refused(
      { EVENTHOOK_ENDPOINT_DISABLE_AFTER: '400d' },
      'EVENTHOOK_ENDPOINT_DISABLE_AFTER must be from 1m to 365d, got "400d"',
    );
    refused({ EVENTHOOK_SANDBOX_MEMORY: '1' }, 'EVENTHOOK_SANDBOX_MEMORY must be from 1MiB to 1GiB, got "1"');
    refused(
      { EVENTHOOK_SANDBOX_MEMORY: '2GiB' },
      'EVENTHOOK_SANDBOX_MEMORY must be from 1MiB to 1GiB, got "2GiB"',
    );
  });

  it('say that a duration without a unit is milliseconds when such a value is out of range', () => {
    // EVENTHOOK_LEASE=60 meant as a minute is 60 ms: the refusal says how it was read and how to write seconds.
    refused(
      { EVENTHOOK_LEASE: '60' },
      'EVENTHOOK_LEASE must be from 1s to 24h, got "60" (a number without a unit is milliseconds: 60s is seconds)',
    );
    expect(() => load({ EVENTHOOK_LEASE: '60s' })).not.toThrow();
    // With a unit, nothing is added.
    expect(() => load({ EVENTHOOK_LEASE: '500ms' })).toThrow(/got "500ms"$/);
  });

  it('take NATS server lists the client can use', () => {
    for (const url of [
      'nats://127.0.0.1:4222',
      'tls://user:pass@nats.example.com:4222',
      'nats://a:4222,nats://b:4222',
      'nats.internal:4222',
      'nats://[::1]:4222',
    ]) {
      expect(load({ EVENTHOOK_BUS: 'nats', EVENTHOOK_NATS_URL: url }).bus).toMatchObject({ url });
    }
  });

  it('refuse a NATS URL of another scheme or none the client understands', () => {
    for (const url of [
      'http://127.0.0.1:4222',
      'ws://127.0.0.1:8080',
      'nats//127.0.0.1:4222',
      'nats:127.0.0.1:4222',
    ]) {
      refused(
        { EVENTHOOK_BUS: 'nats', EVENTHOOK_NATS_URL: url },
        `EVENTHOOK_NATS_URL must be nats://host:port or tls://host:port (comma-separated for several), got "${url}"`,
      );
    }
    refused(
      { EVENTHOOK_BUS: 'nats', EVENTHOOK_NATS_URL: 'nats://a:4222,https://b' },
      'EVENTHOOK_NATS_URL must be nats://host:port or tls://host:port (comma-separated for several), got "https://b"',
    );
    refused(
      { EVENTHOOK_FLOVYN_NATS_URL: 'https://nats:4222', EVENTHOOK_FLOVYN_EVENT_ORGS: 'o1=default' },
      'EVENTHOOK_FLOVYN_NATS_URL must be nats://host:port or tls://host:port (comma-separated for several), got "https://nats:4222"',
    );
  });
});
