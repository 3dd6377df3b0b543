// Grants in an apply file (`grants: [{from: billing, types: [order.*, invoice.paid]}]`). A grant has no slug, so its
// natural key is all of it: the org it lets publish and its set of event types, in any order (none: every type). A
// changed set is another grant; the one it replaces is no longer named by the file. (The API can change a grant in
// place, PATCH …/grants/{grant}; apply keeps to creating and deleting, which this identity needs.)
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
  return { from, types, body };
}

/** What a grant is matched by: the same for the file's copy and the server's, whatever the order of types. */
export function grantIdentity(from: string, types: readonly string[] | null): string {
  return JSON.stringify([from, types === null ? null : [...new Set(types)].sort()]);
}

/** How a grant reads in a plan: `billing: invoice.paid, order.*`, or `billing: every type`. */
export function grantLabel(from: string, types: readonly string[] | null): string {
  return `${from}: ${types === null ? 'every type' : [...new Set(types)].sort().join(', ')}`;
}

/** The server's grant (`GET /grants` item): its identity, its label (with its id: it has no other name), its id. */
export function currentGrant(g: Obj): { identity: string; key: string; ref: string } {
  const from = String(g.fromOrg);
  const types = Array.isArray(g.eventTypes) ? g.eventTypes.map(String) : null;
  const ref = String(g.id);
  return { identity: grantIdentity(from, types), key: `${grantLabel(from, types)} (${ref})`, ref };
}
