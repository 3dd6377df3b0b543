// The value level: a ValueMatcher, in its one-by-one and its indexed form, finds exactly the patterns the plain
// predicate (value-predicate.ts) says a value satisfies.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePattern } from '../../src/rules/pattern-parser.js';
import type { ValuePattern } from '../../src/rules/pattern-types.js';
import { ValueMatcher } from '../../src/rules/value-matcher.js';
import type { LeafValue } from '../../src/rules/value-predicate.js';
import { valueMatches } from '../../src/rules/value-predicate.js';
import { leafValue, valuePattern } from './arbitraries.js';

/** The value patterns of one written value, or none when it is `{"exists": false}` or invalid. */
function parsed(raw: unknown): ValuePattern[] {
  try {
    return parsePattern({ f: [raw] }).branches.flatMap((b) => b.conditions.flatMap((c) => c.patterns));
  } catch {
    return [];
  }
}

// Extra values that reach the families' corners: affixes of the vocabulary, other IPs, case variants.
const probe = fc.oneof(
  leafValue,
  fc.constantFrom('x*y', 'xyzzy', 'Xy', 'ini', 'initial', '10.0.0.255', '::', 'A*B', '1.5'),
);

describe('ValueMatcher', () => {
  it('agrees with the predicate for small and large pattern sets', () => {
    fc.assert(
      fc.property(
        fc.array(valuePattern, { minLength: 1, maxLength: 40 }),
        fc.array(probe, { minLength: 1, maxLength: 10 }),
        (raws, values) => {
          const patterns = raws.flatMap(parsed);
          const matcher = new ValueMatcher<number>();
          patterns.forEach((p, i) => matcher.add(p, i));
          matcher.finish();
          for (const v of values as LeafValue[]) {
            const found: number[] = [];
            matcher.collect(v, found);
            const expected = patterns.flatMap((p, i) => (valueMatches(p, v) ? [i] : []));
            expect(
              [...new Set(found)].sort((a, b) => a - b),
              JSON.stringify(v),
            ).toEqual(expected);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('indexes thousands of affixes of many lengths', () => {
    const matcher = new ValueMatcher<string>();
    for (let i = 0; i < 3000; i++) {
      matcher.add({ kind: 'prefix', value: `order-${i}-`, ignoreCase: false }, `p${i}`);
      matcher.add({ kind: 'suffix', value: `.${i}`, ignoreCase: true }, `s${i}`);
    }
    matcher.finish();
    const found = (v: string): string[] => {
      const out: string[] = [];
      matcher.collect(v, out);
      return out.sort();
    };
    expect(found('order-12-x.1234')).toEqual(['p12', 's1234']);
    expect(found('ORDER-12-X.2999')).toEqual(['s2999']);
    expect(found('order-2999-.7')).toEqual(['p2999', 's7']);
    expect(found('order-3000-.3000')).toEqual([]);
  });
});
