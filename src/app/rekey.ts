// Rotating the master key: every secret sealed with a previous key (EVENTHOOK_MASTER_KEY_PREVIOUS) is sealed again
// with the current one, so the previous key can be dropped — after a leak, or as a routine. What each secret opens
// to does not change, and neither does any record's version (updatedAt): a console page open meanwhile still saves.
import { resealKeyCheck } from '../config/master-key-check.js';
import type { SecretBox } from '../core/secret-box.js';
import type { Store } from '../store/port.js';
import type { EndpointRecord, SourceRecord } from '../store/records.js';

export interface RekeyResult {
  /** Sealed values sealed again, and the live sources and endpoints that held them. */
  resealed: number;
  sources: number;
  endpoints: number;
  /** Sealed values the current key opened already. */
  current: number;
}

/** A record changed by someone else between this read and its save is read again, up to this many times. */
const TRIES = 5;

/**
 * Seals every secret of every live source and endpoint with the current key, then the key check value, so that
 * from then on a process needs the current key to start. Throws (and seals no check value) when a secret opens with
 * no key the box has. With `dryRun` it counts what it would seal again and writes nothing.
 */
export async function rekeyStore(
  store: Store,
  box: SecretBox,
  opts: { dryRun?: boolean } = {},
): Promise<RekeyResult> {
  const dryRun = opts.dryRun === true;
  const result: RekeyResult = { resealed: 0, sources: 0, endpoints: 0, current: 0 };
  const reseal = (sealed: string, where: string): string => {
    if (box.isCurrent(sealed)) {
      result.current++;
      return sealed;
    }
    let plain: string;
    try {
      plain = box.open(sealed);
    } catch {
      throw new Error(
        `${where} opens with no key given (EVENTHOOK_MASTER_KEY or EVENTHOOK_MASTER_KEY_PREVIOUS)`,
      );
    }
    result.resealed++;
    return box.seal(plain);
  };

  for (const { slug: org } of await store.orgs.list()) {
    for (const listed of await store.sources.list(org)) {
      const saved = await saveResealed(
        () => store.sources.get(org, listed.slug),
        (s) => resealSource(s, (sealed) => reseal(sealed, `a secret of source ${org}/${s.slug}`)),
        (next, basis) => dryRun || store.sources.update(next, basis),
      );
      if (saved) result.sources++;
    }
    for (const listed of await store.endpoints.list(org)) {
      const saved = await saveResealed(
        () => store.endpoints.get(org, listed.slug),
        (e) => resealEndpoint(e, (sealed) => reseal(sealed, `a secret of endpoint ${org}/${e.slug}`)),
        // Configuration only: the breaker the workers keep is left as it is.
        (next, basis) => dryRun || store.endpoints.update(next, { basis, state: false }),
      );
      if (saved) result.endpoints++;
    }
  }
  if (!dryRun) await resealKeyCheck(store, box);
  return result;
}

/** Reads, reseals and saves one record at the version read; true when something was sealed again. */
async function saveResealed<T extends { updatedAt: number }>(
  read: () => Promise<T | undefined>,
  resealed: (record: T) => T | undefined,
  save: (next: T, basis: number) => Promise<boolean> | true,
): Promise<boolean> {
  for (let attempt = 1; attempt <= TRIES; attempt++) {
    const current = await read();
    if (!current) return false; // deleted meanwhile: nothing of it is ever opened again
    const next = resealed(current);
    if (!next) return false;
    if (await save(next, current.updatedAt)) return true;
  }
  throw new Error('a record kept changing while its secrets were sealed again; run eventhook rekey again');
}

/** `reseal` that remembers whether it sealed anything again. */
function tracking(reseal: (sealed: string) => string): {
  again: (sealed: string) => string;
  changed: () => boolean;
} {
  let changed = false;
  return {
    again: (sealed) => {
      const next = reseal(sealed);
      if (next !== sealed) changed = true;
      return next;
    },
    changed: () => changed,
  };
}

/** The source with its secrets and secret options resealed, or undefined when all were current. */
function resealSource(s: SourceRecord, reseal: (sealed: string) => string): SourceRecord | undefined {
  const { again, changed } = tracking(reseal);
  const secrets = s.secrets.map((x) => ({ ...x, sealed: again(x.sealed) }));
  const settings = s.settings as { sealedOptions?: Record<string, string> } | null;
  const sealedOptions = settings?.sealedOptions
    ? Object.fromEntries(Object.entries(settings.sealedOptions).map(([k, v]) => [k, again(v)]))
    : undefined;
  if (!changed()) return undefined;
  return { ...s, secrets, ...(sealedOptions ? { settings: { ...settings, sealedOptions } } : {}) };
}

/** The endpoint with its signing secrets, auth and secret headers resealed, or undefined when all were current. */
function resealEndpoint(e: EndpointRecord, reseal: (sealed: string) => string): EndpointRecord | undefined {
  const { again, changed } = tracking(reseal);
  const secrets = e.secrets.map((x) => ({ ...x, sealed: again(x.sealed) }));
  const auth = e.auth?.sealed ? { ...e.auth, sealed: again(e.auth.sealed) } : e.auth;
  const secretHeaders = Object.fromEntries(Object.entries(e.secretHeaders).map(([k, v]) => [k, again(v)]));
  return changed() ? { ...e, secrets, auth, secretHeaders } : undefined;
}
