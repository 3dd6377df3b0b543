// The store's operating settings: whether a process migrates, and how long it waits for PostgreSQL and for /readyz.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';

const load = (env: Record<string, string>) =>
  loadConfig({ EVENTHOOK_DATA_DIR: '/tmp/eh-config-test', ...env });

describe('store settings', () => {
  it('default to migrating at start, a 30 s statement timeout, 5 s to connect and 2 s for /readyz', () => {
    expect(load({})).toMatchObject({
      migrate: 'auto',
      pgStatementTimeoutMs: 30_000,
      pgConnectTimeoutMs: 5_000,
      readinessTimeoutMs: 2_000,
      metricsStoreTimeoutMs: 2_000,
    });
  });

  it('take durations, and 0 turns the statement timeout off', () => {
    const config = load({
      EVENTHOOK_MIGRATE: 'off',
      EVENTHOOK_PG_STATEMENT_TIMEOUT: '2m',
      EVENTHOOK_PG_CONNECT_TIMEOUT: '1500ms',
      EVENTHOOK_READINESS_TIMEOUT: '5s',
      EVENTHOOK_METRICS_STORE_TIMEOUT: '500ms',
    });
    expect(config).toMatchObject({
      migrate: 'off',
      pgStatementTimeoutMs: 120_000,
      pgConnectTimeoutMs: 1_500,
      readinessTimeoutMs: 5_000,
      metricsStoreTimeoutMs: 500,
    });
    expect(load({ EVENTHOOK_PG_STATEMENT_TIMEOUT: '0' }).pgStatementTimeoutMs).toBe(0);
  });

  it('refuse values out of range, naming the key and the range', () => {
    expect(() => load({ EVENTHOOK_MIGRATE: 'never' })).toThrow(
      'Invalid configuration: EVENTHOOK_MIGRATE must be one of auto, off, got "never"',
    );
    expect(() => load({ EVENTHOOK_PG_STATEMENT_TIMEOUT: '10ms' })).toThrow(
      'Invalid configuration: EVENTHOOK_PG_STATEMENT_TIMEOUT must be from 100ms to 24h (or 0, off), got "10ms"',
    );
    expect(() => load({ EVENTHOOK_PG_CONNECT_TIMEOUT: '0' })).toThrow(
      'Invalid configuration: EVENTHOOK_PG_CONNECT_TIMEOUT must be from 100ms to 10m, got "0"',
    );
    expect(() => load({ EVENTHOOK_READINESS_TIMEOUT: '2m' })).toThrow(
      'Invalid configuration: EVENTHOOK_READINESS_TIMEOUT must be from 100ms to 60s, got "2m"',
    );
  });
});
