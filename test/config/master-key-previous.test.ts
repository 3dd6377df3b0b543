// EVENTHOOK_MASTER_KEY_PREVIOUS: the keys a rotation of the master key still opens secrets with. Each must be a key,
// and none the current key (a typo that would leave the rotation undone), each refused naming which.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { SecretBox } from '../../src/core/secret-box.js';

const load = (env: Record<string, string>) =>
  loadConfig({ EVENTHOOK_DATA_DIR: '/tmp/eh-config-test', ...env });

describe('EVENTHOOK_MASTER_KEY_PREVIOUS', () => {
  const current = SecretBox.generateKey();
  const [a, b] = [SecretBox.generateKey(), SecretBox.generateKey()];

  it('is empty by default, and takes comma-separated keys in order', () => {
    expect(load({}).masterKeyPrevious).toEqual([]);
    expect(
      load({ EVENTHOOK_MASTER_KEY: current, EVENTHOOK_MASTER_KEY_PREVIOUS: ` ${a}, ${b} ` })
        .masterKeyPrevious,
    ).toEqual([a, b]);
  });

  it('refuses a value that is not a key, and the current key, naming which', () => {
    expect(() => load({ EVENTHOOK_MASTER_KEY_PREVIOUS: `${a},short` })).toThrow(
      'Invalid configuration: EVENTHOOK_MASTER_KEY_PREVIOUS key 2 must be 32 bytes in base64 (44 characters)',
    );
    expect(() => load({ EVENTHOOK_MASTER_KEY: current, EVENTHOOK_MASTER_KEY_PREVIOUS: current })).toThrow(
      'Invalid configuration: EVENTHOOK_MASTER_KEY_PREVIOUS key 1 is EVENTHOOK_MASTER_KEY itself',
    );
  });
});
