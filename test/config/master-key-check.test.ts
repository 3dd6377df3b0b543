// The master key check on both stores: the first process's key is recorded (sealed), a later process with another
// key is refused, and a store whose secrets were sealed before the check existed is checked against those secrets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rekeyStore } from '../../src/app/rekey.js';
import { checkMasterKey, MasterKeyMismatch } from '../../src/config/master-key-check.js';
import { SecretBox } from '../../src/core/index.js';
import type { Store } from '../../src/store/port.js';
import { endpointRecord } from '../helpers/records.js';
import { STORE_FACTORIES } from '../helpers/stores.js';

const T0 = Date.UTC(2026, 0, 1);

for (const factory of STORE_FACTORIES) {
  const available = await factory.available();
  describe.skipIf(!available)(`master key check — ${factory.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    const firstKey = SecretBox.generateKey();
    const first = new SecretBox(firstKey);
    const other = new SecretBox(SecretBox.generateKey());

    beforeAll(async () => {
      ({ store, cleanup } = await factory.open());
      await store.orgs.create({ slug: 'acme', name: 'Acme' }, T0);
    });
    afterAll(async () => cleanup?.());

    it('a store with secrets from before the check opens them with the key, or refuses it', async () => {
      // An endpoint whose secret was sealed, and no check value yet: an upgraded store.
      await store.endpoints.insert({
        ...endpointRecord('acme', 'billing', T0),
        secrets: [
          { id: 'sec_1', sealed: first.seal('whsec_x'), createdAt: T0, expiresAt: null, publicKey: null },
        ],
      });
      await expect(checkMasterKey(store, other)).rejects.toThrow(MasterKeyMismatch);
      await expect(checkMasterKey(store, other)).rejects.toThrow(
        /does not open the secrets in this store: every process of a deployment must use the same EVENTHOOK_MASTER_KEY/,
      );
      // Refusing wrote nothing: the right key still starts, and records itself.
      await checkMasterKey(store, first);
      await checkMasterKey(store, first);
      await expect(checkMasterKey(store, other)).rejects.toThrow(/does not open the key check value/);
    });

    it('rekey seals a previous key’s secrets again, then the check value; a secret no key opens stops it first', async () => {
      const newKey = SecretBox.generateKey();
      const rotating = new SecretBox(newKey, [firstKey]);
      expect(await checkMasterKey(store, first)).toBe('current');
      expect(await checkMasterKey(store, rotating)).toBe('previous');
      await store.endpoints.insert({
        ...endpointRecord('acme', 'stray', T0),
        secrets: [
          { id: 'sec_2', sealed: other.seal('whsec_y'), createdAt: T0, expiresAt: null, publicKey: null },
        ],
      });
      await expect(rekeyStore(store, rotating)).rejects.toThrow(
        'a secret of endpoint acme/stray opens with no key given',
      );
      // Stopped before the check value: the old key still starts a process.
      expect(await checkMasterKey(store, first)).toBe('current');

      await store.endpoints.softDelete('acme', 'stray', T0 + 1);
      const billing = await store.endpoints.get('acme', 'billing');
      // billing was sealed again before stray stopped the first run; the second finds it current.
      expect(await rekeyStore(store, rotating)).toEqual({
        resealed: 0,
        sources: 0,
        endpoints: 0,
        current: 1,
      });
      expect(new SecretBox(newKey).open(billing!.secrets[0]!.sealed)).toBe('whsec_x');
      expect((await store.endpoints.get('acme', 'billing'))!.updatedAt).toBe(billing!.updatedAt);
      expect(await checkMasterKey(store, new SecretBox(newKey))).toBe('current');
      await expect(checkMasterKey(store, first)).rejects.toThrow(MasterKeyMismatch);
    });
  });
}
