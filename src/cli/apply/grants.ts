// Grants in an apply file (`grants: [{from: billing, types: [order.*, invoice.paid]}]`). A grant has no slug: it is
// matched by the org it lets publish, first to a server grant alike (the same org and set of types, in any order;
// none: every type), else to one of the same org that is left over, whose types (and description) are then changed
// in place with PATCH …/grants/{grant}. Only a grant for an org the server has none left for is created. (Matching
// by the whole grant, as apply once did, made every change of types a create plus a delete, and the old grant kept
// admitting its types until pruned.)
import { SLUG_PATTERN } from '../../core/ids.js';
import { eventTypePatternProblem, MAX_GRANT_EVENT_TYPES } from '../../grants/index.js';
import type { CliError } from '../cli-error.js';
import type { Path } from './load-file.js';

type Obj = Record<string, unknown>;
type Fail = (path: Path, message: string) => CliError;

/** A grant of the file, checked. `types` is sorted and without repeats; null lets every type through. */
export interface DesiredGrant {
  readonly from: string;
  readonly types: readonly string[] | null;
  /** Compared with the server's only when the file gives it. */
  readonly description: string | undefined;
  /** What `POST /grants` takes. */
  readonly body: Obj;
}

/** The file's field names, with the API's as the alternative each (as targets take `config:` or flat fields). */
const FIELDS = { from: 'fromOrg', types: 'eventTypes' } as const;
const KNOWN = new Set(['from', 'fromOrg', 'types', 'eventTypes', 'description']);
const SLUG = new RegExp(SLUG_PATTERN);

/** Checks one entry of `grants:`; `org` is the file's `org:`, when it names one. */
export function grantOf(raw: Obj, path: Path, fail: Fail, org: string | undefined): DesiredGrant {
  for (const k of Object.keys(raw)) {
    if (!KNOWN.has(k)) throw fail([...path, k], 'unknown field (a grant takes from, types and description)');
  }
  const pick = (name: keyof typeof FIELDS): [unknown, Path] => {
    const alias = FIELDS[name];
    if (raw[name] !== undefined && raw[alias] !== undefined)
      throw fail([...path, alias], `is the same as ${name}; give it once`);
    return raw[alias] !== undefined ? [raw[alias], [...path, alias]] : [raw[name], [...path, name]];
  };

  const [from, fromPath] = pick('from');
  if (typeof from !== 'string' || from === '')
    throw fail(fromPath, 'is required: the slug of the org allowed to publish into this one');
  if (!SLUG.test(from)) throw fail(fromPath, `${JSON.stringify(from)} is not an org slug`);
  if (from === org) throw fail(fromPath, 'an org needs no grant to publish into itself');

  const [list, typesPath] = pick('types');
  let types: string[] | null = null;
  if (list !== undefined && list !== null) {
    if (!Array.isArray(list))
      throw fail(
        typesPath,
        'must be a list of event types (order.created) or prefix patterns (billing.*); omit it for every type',
      );
    list.forEach((t, j) => {
      if (typeof t !== 'string') throw fail([...typesPath, j], 'must be an event type or a prefix pattern');
      const problem = eventTypePatternProblem(t);
      if (problem) throw fail([...typesPath, j], problem);
    });
    if (list.length > MAX_GRANT_EVENT_TYPES)
      throw fail(typesPath, `lists ${list.length} types; a grant takes at most ${MAX_GRANT_EVENT_TYPES}`);
    if (list.length > 0) types = [...new Set(list as string[])].sort();
  }

  const description = raw.description;
  if (description !== undefined && typeof description !== 'string')
    throw fail([...path, 'description'], 'must be a string');
  const body: Obj = {
    fromOrg: from,
    ...(types === null ? {} : { eventTypes: types }),
    ...(description === undefined ? {} : { description }),
  };
  return { from, types, description, body };
}

/** What a grant is matched by: the same for the file's copy and the server's, whatever the order of types. */
export function grantIdentity(from: string, types: readonly string[] | null): string {
  return JSON.stringify([from, types === null ? null : [...new Set(types)].sort()]);
}

/** How a grant reads in a plan: `billing: invoice.paid, order.*`, or `billing: every type`. */
export function grantLabel(from: string, types: readonly string[] | null): string {
  return `${from}: ${types === null ? 'every type' : [...new Set(types)].sort().join(', ')}`;
}

/**
 * The server's grant (`GET /grants` item): its identity, its label (with its id: it has no other name), its id, and
 * its value with the types sorted, as the file's are compared.
 */
export function currentGrant(g: Obj): { identity: string; key: string; ref: string; value: Obj } {
  const from = String(g.fromOrg);
  const types = Array.isArray(g.eventTypes) ? [...new Set(g.eventTypes.map(String))].sort() : null;
  const ref = String(g.id);
  return {
    identity: grantIdentity(from, types),
    key: `${grantLabel(from, types)} (${ref})`,
    ref,
    value: { ...g, eventTypes: types },
  };
}

/** How an updated grant reads in a plan: its org and id (the types that change are listed below it). */
export function updatedGrantKey(from: string, ref: string): string {
  return `${from} (${ref})`;
}

/**
 * Pairs each grant of the file with one of the server's, or with none (to create): first with a grant alike (same
 * org, same set of types), then, in file order, with the oldest grant of the same org that is still unpaired — the
 * one to update. Server grants left unpaired are the ones the file no longer names. Whatever the order, applying the
 * result once makes every pair alike, so a second apply changes nothing.
 */
export function pairGrants<D extends { identity: string; body: Obj }, C extends { ref: string; value: Obj }>(
  desired: readonly D[],
  current: Iterable<C>,
): Map<D, C | undefined> {
  const left = [...current].map((c) => ({ c, identity: currentGrant(c.value).identity }));
  const take = (match: (e: (typeof left)[number]) => boolean): C | undefined => {
    const i = left.findIndex(match);
    return i < 0 ? undefined : left.splice(i, 1)[0]!.c;
  };
  const pairs = new Map<D, C | undefined>();
  for (const d of desired) {
    const alike = take((e) => e.identity === d.identity);
    if (alike) pairs.set(d, alike);
  }
  for (const d of desired) {
    if (!pairs.has(d))
      pairs.set(
        d,
        take((e) => e.c.value.fromOrg === d.body.fromOrg),
      );
  }
  // In file order again, whichever pass paired them.
  return new Map(desired.map((d) => [d, pairs.get(d)]));
}
