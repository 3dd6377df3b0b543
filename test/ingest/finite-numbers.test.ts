// Numbers beyond a 64-bit float (1e400 parses to Infinity): none in ordinary data, found at any depth (without
// recursion) and located by JSON Pointer, in document order, escaping keys as RFC 6901 says.
import { describe, expect, it } from 'vitest';
import { NOT_FINITE, nonFiniteNumbers } from '../../src/ingest/finite-numbers.js';

/** `inner` nested `depth` arrays deep, as JSON text, and the pointer to it under /data. */
function nested(depth: number, inner: string): { text: string; pointer: string } {
  return { text: '['.repeat(depth) + inner + ']'.repeat(depth), pointer: '/data' + '/0'.repeat(depth) };
}

describe('nonFiniteNumbers', () => {
  it('finds nothing in ordinary data, the largest finite numbers included, allocating no list for it', () => {
    const ordinary = JSON.parse(
      JSON.stringify({
        order: {
          id: 'o-1',
          total: 12.5,
          lines: [
            { sku: 'a/b~c', qty: 2 },
            { sku: 'x', qty: -0 },
          ],
        },
        flags: [true, false, null],
        big: [Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, 1e308],
        text: 'Infinity',
        empty: [{}, []],
      }),
    ) as unknown;
    const none = nonFiniteNumbers(ordinary, '/data');
    expect(none).toEqual([]);
    // One list for every clean event (the fast walk only answers whether there is one; nothing is built).
    expect(nonFiniteNumbers({ n: 1 }, '/0/data')).toBe(none);
    for (const scalar of [null, 'text', true, 0, 1.5e300, undefined]) {
      expect(nonFiniteNumbers(scalar, '/data')).toBe(none);
    }
  });

  it('locates Infinity and -Infinity by pointer, escaping ~ and / in keys', () => {
    const data = JSON.parse('{"a/b": {"m~n": [1, 1e400]}, "~/": -1e400, "ok": 2}') as unknown;
    expect(nonFiniteNumbers(data, '/data')).toEqual([
      { path: '/data/a~1b/m~0n/1', message: NOT_FINITE },
      { path: '/data/~0~1', message: NOT_FINITE },
    ]);
    expect(nonFiniteNumbers(JSON.parse('-1e400'), '/3/data')).toEqual([
      { path: '/3/data', message: NOT_FINITE },
    ]);
  });

  it('finds one deep in a document nested far beyond what recursion would survive', () => {
    const deep = nested(200_000, '{"k": [0, -1e400]}');
    const data = JSON.parse(deep.text) as unknown;
    expect(nonFiniteNumbers(data, '/data')).toEqual([{ path: `${deep.pointer}/k/1`, message: NOT_FINITE }]);
    // And a deep one without: answered by the fast walk alone.
    expect(nonFiniteNumbers(JSON.parse(nested(200_000, '1e308').text), '/data')).toEqual([]);
  });

  it('lists them in document order, at most ten', () => {
    const data = JSON.parse(
      `{"z": 1e400, "list": [${Array(12).fill('1e999').join(',')}], "a": -1e400}`,
    ) as unknown;
    const issues = nonFiniteNumbers(data, '');
    expect(issues.map((i) => i.path)).toEqual(['/z', ...Array.from({ length: 9 }, (_, i) => `/list/${i}`)]);
  });

  it('holds nothing over from a walk that stopped at the first one it found', () => {
    // The fast walk stops at "a", the array under "b" (with an Infinity of its own) still on its stack.
    expect(nonFiniteNumbers(JSON.parse('{"b": [1e400], "a": 1e400}'), '')).toHaveLength(2);
    expect(nonFiniteNumbers({ a: [1, 2, { b: 3 }] }, '/data')).toBe(nonFiniteNumbers(null, ''));
  });
});
