// The reference evaluator: the pattern language's meaning written as directly as possible (flatten everything, try
// every assignment of leaves to conditions). Tests check the compiled Matcher against it, and bench/match uses it
// as the naive loop-over-rules baseline. Never used on the routing path.
import type { ArrayStep, Membership } from './array-membership.js';
import { NO_MEMBERSHIP, extend, isConsistent } from './array-membership.js';
import type { Branch, CompiledPattern, Condition } from './pattern-types.js';
import type { LeafValue } from './value-predicate.js';
import { valueMatches } from './value-predicate.js';

export interface Leaf {
  readonly value: LeafValue;
  readonly chain: ArrayStep | null;
}

/** Every leaf of the event by dotted path. Arrays are crushed out; each array gets a number for consistency. */
export function flattenEvent(event: unknown): Map<string, Leaf[]> {
  const out = new Map<string, Leaf[]>();
  let arrays = 0;
  const walk = (value: unknown, path: string, chain: ArrayStep | null): void => {
    if (Array.isArray(value)) {
      const array = arrays++;
      value.forEach((item, index) => walk(item, path, { array, index, parent: chain }));
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value))
        walk(child, path === '' ? key : `${path}.${key}`, chain);
    } else if (isLeaf(value) && path !== '') {
      const list = out.get(path);
      if (list === undefined) out.set(path, [{ value, chain }]);
      else list.push({ value, chain });
    }
  };
  walk(event, '', null);
  return out;
}

function isLeaf(value: unknown): value is LeafValue {
  return (
    typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null
  );
}

/** Does the pattern match the (already flattened) event? */
export function referenceMatches(
  pattern: CompiledPattern,
  leaves: ReadonlyMap<string, readonly Leaf[]>,
): boolean {
  return pattern.branches.some((b) => branchMatches(b, leaves));
}

/** The naive loop over rules: the ids whose pattern matches, in the order given. */
export function referenceMatchAll<Id>(
  rules: Iterable<{ readonly id: Id; readonly pattern: CompiledPattern }>,
  event: unknown,
): Id[] {
  const leaves = flattenEvent(event);
  const out: Id[] = [];
  for (const r of rules) if (referenceMatches(r.pattern, leaves)) out.push(r.id);
  return out;
}

function branchMatches(branch: Branch, leaves: ReadonlyMap<string, readonly Leaf[]>): boolean {
  const choose = (i: number, m: Membership): boolean => {
    const cond: Condition | undefined = branch.conditions[i];
    if (cond === undefined) {
      return branch.absent.every((path) => !(leaves.get(path) ?? []).some((l) => isConsistent(l.chain, m)));
    }
    for (const leaf of leaves.get(cond.path) ?? []) {
      if (!isConsistent(leaf.chain, m)) continue;
      if (!cond.patterns.some((p) => valueMatches(p, leaf.value))) continue;
      if (choose(i + 1, extend(m, leaf.chain))) return true;
    }
    return false;
  };
  return choose(0, NO_MEMBERSHIP);
}
