// EVENTHOOK_ROLE: what a process runs. `ingest` (SPEC §9's name) is the `api` role; anything else is refused.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';

const load = (env: Record<string, string>) =>
  loadConfig({ EVENTHOOK_DATA_DIR: '/tmp/eh-config-test', ...env });

describe('EVENTHOOK_ROLE', () => {
  it('defaults to all, and takes all, api and worker as they are', () => {
    expect(load({}).role).toBe('all');
    for (const role of ['all', 'api', 'worker']) expect(load({ EVENTHOOK_ROLE: role }).role).toBe(role);
  });

  it('takes ingest as the api role', () => {
    expect(load({ EVENTHOOK_ROLE: 'ingest' }).role).toBe('api');
  });

  it('refuses another role, naming the key and the roles it takes', () => {
    expect(() => load({ EVENTHOOK_ROLE: 'router' })).toThrow(
      'Invalid configuration: EVENTHOOK_ROLE must be one of all, api, ingest, worker, got "router"',
    );
  });
});
