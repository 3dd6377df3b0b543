// Array consistency (event-ruler's rulesForJSONEvent): fields that come from objects in different elements of the
// same array never combine into one match. Each leaf remembers which element of which array it sits in.

/** One array a leaf sits inside: the array (numbered per event) and the element index; `parent` is the enclosing. */
export interface ArrayStep {
  readonly array: number;
  readonly index: number;
  readonly parent: ArrayStep | null;
}

/** The elements chosen so far by a partial match: array number → element index. Never mutated once shared. */
export type Membership = ReadonlyMap<number, number>;

export const NO_MEMBERSHIP: Membership = new Map();

/** True when a leaf inside `chain` can join a match that has already chosen `m`. */
export function isConsistent(chain: ArrayStep | null, m: Membership): boolean {
  if (m.size === 0) return true;
  for (let s = chain; s !== null; s = s.parent) {
    const chosen = m.get(s.array);
    if (chosen !== undefined && chosen !== s.index) return false;
  }
  return true;
}

/** `m` plus the elements of `chain` (assumes isConsistent). Returns `m` itself when nothing is added. */
export function extend(m: Membership, chain: ArrayStep | null): Membership {
  if (chain === null) return m;
  let out: Map<number, number> | undefined;
  for (let s: ArrayStep | null = chain; s !== null; s = s.parent) {
    if (m.has(s.array)) continue;
    out ??= new Map(m);
    out.set(s.array, s.index);
  }
  return out ?? m;
}

/** A string that is equal for equal memberships, for de-duplicating search states. */
export function membershipKey(m: Membership): string {
  if (m.size === 0) return '';
  return [...m].sort((a, b) => a[0] - b[0]).join(';');
}
