// Every process of a deployment must seal and open secrets with the same master key. A process given another key
// would start, say it is ready, and then refuse every signed webhook (the source's secret does not open) or fail to
// route to every endpoint; so the store keeps a value sealed with the key of the first process that started, and a
// process whose key does not open it refuses to start.
import type { SecretBox } from '../core/secret-box.js';
import type { Store } from '../store/port.js';

const SETTING = 'master_key_check';
const PLAINTEXT = 'eventhook master key check';

export class MasterKeyMismatch extends Error {
  constructor(what: string) {
    super(
      `the master key does not open ${what} in this store: every process of a deployment must use the same ` +
        'EVENTHOOK_MASTER_KEY (or the same master.key file), the one the secrets were sealed with',
    );
    this.name = 'MasterKeyMismatch';
  }
}

/**
 * Throws MasterKeyMismatch when `box` has not the key this store's secrets are sealed with. `previous` when only one
 * of its previous keys opens them: a rotation of the master key waits for `eventhook rekey`.
 */
export async function checkMasterKey(store: Store, box: SecretBox): Promise<'current' | 'previous'> {
  const stored = await store.settings.get(SETTING);
  if (stored !== undefined) {
    if (box.openOrNull(stored) !== PLAINTEXT) throw new MasterKeyMismatch('the key check value');
    return box.isCurrent(stored) ? 'current' : 'previous';
  }
  // The first start with this check: secrets sealed before it (an upgraded store) must open too.
  const sealed = await anySealedSecret(store);
  if (sealed !== undefined && box.openOrNull(sealed) === null) throw new MasterKeyMismatch('the secrets');
  await store.settings.setIfAbsent(SETTING, box.seal(PLAINTEXT));
  // Another process may have written its own value first.
  const written = await store.settings.get(SETTING);
  if (written === undefined || box.openOrNull(written) !== PLAINTEXT)
    throw new MasterKeyMismatch('the key check value');
  return box.isCurrent(written) && (sealed === undefined || box.isCurrent(sealed)) ? 'current' : 'previous';
}

/** Seals the check value again with the current key: after `eventhook rekey`, only that key starts a process. */
export async function resealKeyCheck(store: Store, box: SecretBox): Promise<void> {
  await store.settings.set(SETTING, box.seal(PLAINTEXT));
}

/** One sealed secret of a source or endpoint, if the store has any. */
async function anySealedSecret(store: Store): Promise<string | undefined> {
  for (const org of await store.orgs.list()) {
    for (const source of await store.sources.list(org.slug)) {
      const sealed = source.secrets[0]?.sealed;
      if (sealed) return sealed;
    }
    for (const endpoint of await store.endpoints.list(org.slug)) {
      const sealed = endpoint.secrets[0]?.sealed;
      if (sealed) return sealed;
    }
  }
  return undefined;
}
