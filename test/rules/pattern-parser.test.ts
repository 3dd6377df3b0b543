// Pattern parsing: how nesting, dotted keys, $or and exists:false alternatives turn into branches.
import { describe, expect, it } from 'vitest';
import { parsePattern } from '../../src/rules/pattern-parser.js';
import type { Branch } from '../../src/rules/pattern-types.js';

/** A branch as "path=kinds" strings, order-independent, for readable expectations. */
const shape = (b: Branch): string[] =>
  [
    ...b.conditions.map((c) => `${c.path}=${c.patterns.map((p) => p.kind).join('|')}`),
    ...b.absent.map((p) => `!${p}`),
  ].sort();

const branches = (pattern: unknown): string[][] => parsePattern(pattern).branches.map(shape);

describe('parsePattern', () => {
  it('flattens nested objects and dotted keys to the same field path', () => {
    expect(branches({ a: { b: ['x'] } })).toEqual([['a.b=exact']]);
    expect(branches({ 'a.b': ['x'] })).toEqual([['a.b=exact']]);
    expect(branches({ a: { 'b.c': { d: [1] } } })).toEqual([['a.b.c.d=exact']]);
  });

  it('turns each kind of value into its pattern', () => {
    const [b] = parsePattern({
      a: ['s', 1, true, null, '10.0.0.1', { prefix: 'p' }, { suffix: { 'equals-ignore-case': 'S' } }],
      b: [{ 'equals-ignore-case': 'E' }, { wildcard: 'w*' }, { numeric: ['>', 1] }, { cidr: '10.0.0.0/8' }],
      c: [{ exists: true }, { 'anything-but': 'x' }],
    }).branches;
    expect(b?.conditions.map((c) => c.patterns)).toEqual([
      [
        { kind: 'exact', value: 's' },
        { kind: 'exact', value: 1 },
        { kind: 'exact', value: true },
        { kind: 'exact', value: null },
        { kind: 'ip', address: { v: 4, n: 0x0a000001 } },
        { kind: 'prefix', value: 'p', ignoreCase: false },
        { kind: 'suffix', value: 's', ignoreCase: true },
      ],
      [
        { kind: 'equals-ignore-case', value: 'e' },
        { kind: 'wildcard', wildcard: { source: 'w*', pieces: ['w', ''] } },
        { kind: 'numeric', range: { lo: 1e6, loOpen: true, hi: 5e15, hiOpen: false } },
        { kind: 'cidr', range: { v: 4, lo: 0x0a000000, hi: 0x0affffff } },
      ],
      [
        { kind: 'exists' },
        { kind: 'anything-but', exclude: { form: 'values', strings: ['x'], numbers: [] } },
      ],
    ]);
  });

  it('forks branches for $or, carrying the fields around it into every branch', () => {
    expect(branches({ s: ['x'], $or: [{ a: [1] }, { b: [2], c: [3] }], t: ['y'] })).toEqual([
      ['a=exact', 's=exact', 't=exact'],
      ['b=exact', 'c=exact', 's=exact', 't=exact'],
    ]);
  });

  it('multiplies nested and parallel $or', () => {
    const p = { $or: [{ a: [1] }, { b: [1] }], d: { $or: [{ e: [1] }, { f: [1] }, { g: [1] }] } };
    expect(branches(p)).toHaveLength(6);
    expect(branches({ $or: [{ a: [1], $or: [{ b: [1] }, { c: [1] }] }, { d: [1] }] })).toEqual([
      ['a=exact', 'b=exact'],
      ['a=exact', 'c=exact'],
      ['d=exact'],
    ]);
  });

  it('keeps the last value list when one branch names a field twice', () => {
    expect(
      parsePattern({ a: ['x'], $or: [{ a: ['y'] }, { b: ['z'] }] }).branches.map((b) => b.conditions),
    ).toEqual([
      [{ path: 'a', patterns: [{ kind: 'exact', value: 'y' }] }],
      [
        { path: 'a', patterns: [{ kind: 'exact', value: 'x' }] },
        { path: 'b', patterns: [{ kind: 'exact', value: 'z' }] },
      ],
    ]);
  });

  it('splits "absent or a value" into an absence branch and a value branch', () => {
    expect(branches({ a: [{ exists: false }] })).toEqual([['!a']]);
    expect(branches({ a: [{ exists: false }, 'x'], b: ['y'] })).toEqual([
      ['a=exact', 'b=exact'],
      ['!a', 'b=exact'],
    ]);
  });

  it('requires $or to be followed by an array', () => {
    expect(() => parsePattern({ $or: { a: ['x'] } })).toThrow('It must be an Array followed with $or.');
  });

  it('limits the combinations a pattern expands to', () => {
    const alternatives = (n: number, key: string): Record<string, number[]>[] =>
      Array.from({ length: n }, (_, i) => ({ [`${key}${i}`]: [i] }));
    expect(branches({ $or: alternatives(25, 'a'), b: { $or: alternatives(40, 'b') } })).toHaveLength(1000);
    expect(() => parsePattern({ $or: alternatives(25, 'a'), b: { $or: alternatives(41, 'b') } })).toThrow(
      'Too many $or combinations',
    );
    const tenOptional = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [`f${i}`, [{ exists: false }, 'x']]),
    );
    expect(() => parsePattern(tenOptional)).toThrow('Too many combinations');
  });
});
