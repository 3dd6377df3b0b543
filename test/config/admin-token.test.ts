// EVENTHOOK_ADMIN_TOKEN acts on every org: a token too short to be a secret (changeme, admin) is refused at start.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';

const load = (env: Record<string, string>) =>
  loadConfig({ EVENTHOOK_DATA_DIR: '/tmp/eh-config-test', ...env });

describe('EVENTHOOK_ADMIN_TOKEN', () => {
  it('refuses a token shorter than 12 characters, naming the key and the length', () => {
    for (const token of ['changeme', 'admin', 'eho_abcdefg']) {
      expect(() => load({ EVENTHOOK_ADMIN_TOKEN: token })).toThrow(
        `Invalid configuration: EVENTHOOK_ADMIN_TOKEN must be at least 12 characters (got ${token.length}); unset it to have one generated`,
      );
    }
  });

  it('takes a token of 12 characters or more, and none at all (one is generated)', () => {
    expect(load({ EVENTHOOK_ADMIN_TOKEN: 'eho_abcdefgh' }).adminToken).toBe('eho_abcdefgh');
    expect(load({}).adminToken).toBeUndefined();
  });
});
