// The meaning of each value pattern against one leaf value, stated as plainly as possible. The reference evaluator
// uses it directly; the compiled value matcher must agree with it (the property tests check that).
import { foldCase } from './affix-index.js';
import { isExcluded } from './anything-but.js';
import { toComparable } from './comparable-number.js';
import { ipInRange, parseIp, sameIp } from './ip-address.js';
import type { NumericRange, ValuePattern } from './pattern-types.js';
import { wildcardMatches } from './wildcard.js';

/** A leaf value: what flattening yields. Objects and arrays are never leaves. */
export type LeafValue = string | number | boolean | null;

export function valueMatches(p: ValuePattern, v: LeafValue): boolean {
  switch (p.kind) {
    case 'exact':
      // Numbers compare by value (300, 300.0 and 3.0e2 are one number once parsed); no type coercion.
      return v === p.value;
    case 'ip': {
      const ip = typeof v === 'string' ? parseIp(v) : undefined;
      return ip !== undefined && sameIp(ip, p.address);
    }
    case 'prefix':
      return (
        typeof v === 'string' && (p.ignoreCase ? foldCase(v).startsWith(p.value) : v.startsWith(p.value))
      );
    case 'suffix':
      return typeof v === 'string' && (p.ignoreCase ? foldCase(v).endsWith(p.value) : v.endsWith(p.value));
    case 'equals-ignore-case':
      return typeof v === 'string' && foldCase(v) === p.value;
    case 'wildcard':
      return typeof v === 'string' && wildcardMatches(p.wildcard, v);
    case 'numeric': {
      const c = typeof v === 'number' ? toComparable(v) : undefined;
      return c !== undefined && inRange(p.range, c);
    }
    case 'cidr': {
      const ip = typeof v === 'string' ? parseIp(v) : undefined;
      return ip !== undefined && ipInRange(ip, p.range);
    }
    case 'exists':
      return true;
    case 'anything-but':
      return !isExcluded(p.exclude, v);
    case 'absent':
      // Absence is a property of the field, never of a value.
      return false;
  }
}

function inRange(r: NumericRange, c: number): boolean {
  return (r.loOpen ? c > r.lo : c >= r.lo) && (r.hiOpen ? c < r.hi : c <= r.hi);
}
