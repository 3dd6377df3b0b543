// The conformance suite: AWS's documented examples and edge cases, as should-match / should-not-match tables per
// operator, run through every way Eventhook matches (matchesPattern, a compiled Matcher among other rules, and the
// reference evaluator), plus every invalid-pattern error with its path and reason.
import { describe, expect, it } from 'vitest';
import { isEventhookError } from '../../src/core/errors.js';
import { Matcher, matchesPattern, validatePattern } from '../../src/rules/index.js';
import { parsePattern } from '../../src/rules/pattern-parser.js';
import { flattenEvent, referenceMatches } from '../../src/rules/reference-evaluator.js';
import type { MatchCase } from './conformance/case-types.js';
import { INVALID_CASES } from './conformance/invalid-cases.js';
import { INVALID_OPERAND_CASES } from './conformance/invalid-operand-cases.js';
import {
  ANYTHING_BUT_CASES,
  CIDR_CASES,
  COMBINED_CASES,
  EXISTS_CASES,
  NUMERIC_CASES,
  OR_CASES,
} from './conformance/operator-cases.js';
import { STRING_CASES } from './conformance/string-cases.js';
import { VALUE_CASES } from './conformance/value-cases.js';

const TABLES: Record<string, readonly MatchCase[]> = {
  'exact values, null, empty and arrays': VALUE_CASES,
  'prefix, suffix, equals-ignore-case and wildcard': STRING_CASES,
  'anything-but': ANYTHING_BUT_CASES,
  numeric: NUMERIC_CASES,
  exists: EXISTS_CASES,
  cidr: CIDR_CASES,
  $or: OR_CASES,
  combined: COMBINED_CASES,
};

// Every table's patterns compiled into one matcher, so each rule is matched in the company of many others.
const ALL_CASES = Object.values(TABLES).flat();
const ALL_RULES = Matcher.build(ALL_CASES.map((c, i) => ({ id: `rule_${i}`, pattern: c.pattern })));

function allWays(c: MatchCase, event: unknown): boolean[] {
  const id = `rule_${ALL_CASES.indexOf(c)}`;
  return [
    matchesPattern(c.pattern, event),
    Matcher.build([{ id: 'only', pattern: c.pattern }]).match(event).length === 1,
    ALL_RULES.match(event).includes(id),
    referenceMatches(parsePattern(c.pattern), flattenEvent(event)),
  ];
}

for (const [table, cases] of Object.entries(TABLES)) {
  describe(`conformance: ${table}`, () => {
    for (const c of cases) {
      it(c.name, () => {
        expect(() => validatePattern(c.pattern)).not.toThrow();
        c.matches.forEach((event, i) => {
          expect(allWays(c, event), `should match #${i}: ${JSON.stringify(event)}`).toEqual([
            true,
            true,
            true,
            true,
          ]);
        });
        c.misses.forEach((event, i) => {
          expect(allWays(c, event), `should not match #${i}: ${JSON.stringify(event)}`).toEqual([
            false,
            false,
            false,
            false,
          ]);
        });
      });
    }
  });
}

describe('conformance: invalid patterns are rejected with path and reason', () => {
  for (const c of [...INVALID_CASES, ...INVALID_OPERAND_CASES]) {
    it(c.name, () => {
      let caught: unknown;
      try {
        validatePattern(c.pattern);
      } catch (err) {
        caught = err;
      }
      expect(isEventhookError(caught, 'EH_PATTERN_INVALID')).toBe(true);
      if (!isEventhookError(caught)) return;
      expect(caught.status).toBe(400);
      expect(caught.params.path).toBe(c.path);
      expect(String(caught.params.reason)).toContain(c.reason);
      expect(caught.message).toBe(`Invalid pattern at ${c.path}: ${String(caught.params.reason)}`);
      // The same pattern is refused by every entry point.
      expect(() => matchesPattern(c.pattern, {})).toThrow(caught.message);
      expect(() => Matcher.build([{ id: 'r', pattern: c.pattern }])).toThrow(caught.message);
    });
  }
});
