// Field-level differences, as `apply --dry-run` prints them.
import { describe, expect, it } from 'vitest';
import { deepEqual, diffValues } from '../../../src/cli/apply/field-diff.js';

describe('diffValues', () => {
  it('names the changed leaf inside nested objects and same-length arrays', () => {
    const before = { type: ['order.created'], data: { total: [{ numeric: ['>=', 1000] }] } };
    const after = { type: ['order.created'], data: { total: [{ numeric: ['>=', 500] }] } };
    expect(diffValues(before, after, 'pattern')).toEqual([
      { path: 'pattern.data.total[0].numeric[1]', before: 1000, after: 500 },
    ]);
  });

  it('shows added and removed keys, and arrays that changed length as a whole', () => {
    expect(diffValues({ a: 1, b: [1, 2] }, { b: [1, 2, 3], c: 'x' }, 'f')).toEqual([
      { path: 'f.a', before: 1 },
      { path: 'f.b', before: [1, 2], after: [1, 2, 3] },
      { path: 'f.c', after: 'x' },
    ]);
  });

  it('finds nothing when the values are equal, whatever the key order', () => {
    expect(diffValues({ a: { x: 1, y: [true, null] } }, { a: { y: [true, null], x: 1 } }, 'f')).toEqual([]);
    expect(deepEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(deepEqual([1, 2], [2, 1])).toBe(false);
    expect(deepEqual('1', 1)).toBe(false);
  });
});
