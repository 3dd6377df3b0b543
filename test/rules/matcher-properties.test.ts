// Property tests: on random patterns from every operator family and random events, the compiled Matcher (all rules
// in one automaton), matchesPattern and a RuleIndex after random changes agree with the reference evaluator.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Matcher, RuleIndex, matchesPattern } from '../../src/rules/index.js';
import { parsePattern } from '../../src/rules/pattern-parser.js';
import { referenceMatchAll } from '../../src/rules/reference-evaluator.js';
import { event, pattern } from './arbitraries.js';

const reference = (rules: readonly { id: string; pattern: unknown }[], e: unknown): string[] =>
  referenceMatchAll(
    rules.map((r) => ({ id: r.id, pattern: parsePattern(r.pattern) })),
    e,
  );

describe('compiled matcher agrees with the reference evaluator', () => {
  it('for many rules in one matcher', () => {
    fc.assert(
      fc.property(
        fc.array(pattern, { minLength: 1, maxLength: 12 }),
        fc.array(event, { minLength: 1, maxLength: 6 }),
        (patterns, events) => {
          const rules = patterns.map((p, i) => ({ id: `r${i}`, pattern: p }));
          const matcher = Matcher.build(rules);
          for (const e of events) expect(matcher.match(e)).toEqual(reference(rules, e));
        },
      ),
      { numRuns: 250 },
    );
  });

  it('for one pattern through matchesPattern', () => {
    fc.assert(
      fc.property(pattern, event, (p, e) => {
        expect(matchesPattern(p, e)).toBe(reference([{ id: 'p', pattern: p }], e).length === 1);
      }),
      { numRuns: 1000 },
    );
  });

  it('for a RuleIndex after random adds, replacements and deletes', () => {
    const change = fc.oneof(
      fc.tuple(fc.constant('set' as const), fc.integer({ min: 0, max: 9 }), pattern),
      fc.tuple(fc.constant('delete' as const), fc.integer({ min: 0, max: 9 }), fc.constant(undefined)),
    );
    fc.assert(
      fc.property(
        fc.array(change, { minLength: 1, maxLength: 30 }),
        fc.array(event, { minLength: 1, maxLength: 4 }),
        (changes, events) => {
          const index = new RuleIndex();
          const live = new Map<string, unknown>();
          for (const [op, n, p] of changes) {
            const id = `r${n}`;
            if (op === 'set') {
              index.set(id, p);
              live.set(id, p);
            } else {
              index.delete(id);
              live.delete(id);
            }
          }
          expect(index.matcher.size).toBe(live.size);
          const rules = [...live].map(([id, p]) => ({ id, pattern: p }));
          for (const e of events) expect([...index.match(e)].sort()).toEqual(reference(rules, e).sort());
        },
      ),
      { numRuns: 150 },
    );
  });
});
