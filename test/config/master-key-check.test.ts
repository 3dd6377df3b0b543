// The master key check on both stores: the first process's key is recorded (sealed), a later process with another
// key is refused, and a store whose secrets were sealed before the check existed is checked against those secrets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    const first = new SecretBox(SecretBox.generateKey());
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
  });
}
