// Parsing of `{"numeric": [...]}`: one comparison (`=`, `<`, `<=`, `>`, `>=`) or a range (`>`/`>=` then `<`/`<=`),
// operands JSON numbers within ±5e9 and six decimals, following event-ruler's grammar and error wording.
import { COMPARABLE_MAX, COMPARABLE_MIN, comparableOrReason } from './comparable-number.js';
import { indexPath, invalidPattern, show } from './pattern-error.js';
import type { NumericRange } from './pattern-types.js';

/** `at` is the path of the numeric array. */
export function parseNumericOperands(terms: readonly unknown[], at: string): NumericRange {
  if (terms.length === 0) return invalidPattern(at, 'Empty arrays are not allowed');
  const op = terms[0];
  if (typeof op !== 'string')
    return invalidPattern(indexPath(at, 0), `Invalid member in numeric match: ${show(op)}`);
  switch (op) {
    case '=': {
      const v = operand(terms, 1, op, at);
      if (terms.length > 2) invalidPattern(indexPath(at, 2), 'Too many elements in numeric expression');
      return { lo: v, loOpen: false, hi: v, hiOpen: false };
    }
    case '<':
    case '<=': {
      const top = operand(terms, 1, op, at);
      if (terms.length > 2) invalidPattern(indexPath(at, 2), 'Too many elements in numeric expression');
      return range(COMPARABLE_MIN, false, top, op === '<', at);
    }
    case '>':
    case '>=': {
      const bottom = operand(terms, 1, op, at);
      const openBottom = op === '>';
      if (terms.length === 2) return range(bottom, openBottom, COMPARABLE_MAX, false, at);
      const op2 = terms[2];
      if (typeof op2 !== 'string') {
        return invalidPattern(indexPath(at, 2), `Bad value in numeric range: ${show(op2)}`);
      }
      if (op2 !== '<' && op2 !== '<=')
        return invalidPattern(indexPath(at, 2), `Bad numeric range operator: ${op2}`);
      const top = operand(terms, 3, op2, at);
      if (terms.length > 4) invalidPattern(indexPath(at, 4), 'Too many terms in numeric range expression');
      return range(bottom, openBottom, top, op2 === '<', at);
    }
    default:
      return invalidPattern(indexPath(at, 0), `Unrecognized numeric range operator: ${op}`);
  }
}

function operand(terms: readonly unknown[], i: number, op: string, at: string): number {
  const v = terms[i];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    return invalidPattern(indexPath(at, i), `Value of ${op} must be numeric`);
  }
  const c = comparableOrReason(v);
  return typeof c === 'string' ? invalidPattern(indexPath(at, i), c) : c;
}

function range(lo: number, loOpen: boolean, hi: number, hiOpen: boolean, at: string): NumericRange {
  // As in event-ruler, one-sided ranges run to ±5e9, so `["<", -5e9]` is as empty as `[">", 5, "<", 5]`.
  if (lo >= hi) invalidPattern(at, 'Bottom must be less than top');
  return { lo, loOpen, hi, hiOpen };
}
