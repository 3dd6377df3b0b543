// The wildcard family: parsing with escapes, matching, and the head/tail index agreeing with one-by-one matching.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Wildcard } from '../../src/rules/pattern-types.js';
import { WildcardIndex, parseWildcard, wildcardMatches } from '../../src/rules/wildcard.js';

const parse = (s: string): Wildcard => {
  const w = parseWildcard(s);
  if (typeof w === 'string') throw new Error(w);
  return w;
};

describe('wildcard', () => {
  it('splits on unescaped stars and unescapes', () => {
    expect(parse('a*b*c').pieces).toEqual(['a', 'b', 'c']);
    expect(parse('*').pieces).toEqual(['', '']);
    expect(parse('a\\*b').pieces).toEqual(['a*b']);
    expect(parse('a\\\\*').pieces).toEqual(['a\\', '']);
    expect(parseWildcard('a**')).toBe('Consecutive wildcard characters at pos 1');
    expect(parseWildcard('\\n')).toBe('Invalid escape character at pos 0');
  });

  it('agrees with the equivalent regular expression', () => {
    const alphabet = fc.constantFrom('a', 'b', '*');
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 6 }),
        fc.array(fc.constantFrom('a', 'b'), { maxLength: 8 }),
        (p, t) => {
          const source = p.join('');
          fc.pre(!source.includes('**'));
          const text = t.join('');
          const regex = new RegExp(`^${source.replaceAll('*', '.*')}$`, 's');
          expect(wildcardMatches(parse(source), text)).toBe(regex.test(text));
        },
      ),
    );
  });

  it('finds through its index exactly the wildcards that match', () => {
    const source = fc
      .array(fc.constantFrom('a', 'b', 'ab', '*'), { minLength: 1, maxLength: 5 })
      .map((p) => p.join(''));
    fc.assert(
      fc.property(
        fc.array(source, { minLength: 1, maxLength: 10 }),
        fc.array(fc.constantFrom('a', 'b'), { maxLength: 8 }),
        (sources, t) => {
          const valid = sources.filter((s) => !s.includes('**'));
          const index = new WildcardIndex<number>();
          valid.forEach((s, i) => index.add(parse(s), i));
          const text = t.join('');
          const found: number[] = [];
          index.collect(text, found);
          expect(found.sort((x, y) => x - y)).toEqual(
            valid.flatMap((s, i) => (wildcardMatches(parse(s), text) ? [i] : [])),
          );
        },
      ),
    );
  });
});
