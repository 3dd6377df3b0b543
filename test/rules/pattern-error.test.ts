// Where an invalid pattern's issue points: the JSON Pointer of the place the shown path ("data.total[0]") names,
// under where the pattern sits in the input.
import { describe, expect, it } from 'vitest';
import type { EventhookError } from '../../src/core/errors.js';
import { validatePattern } from '../../src/rules/index.js';

const refusal = (pattern: unknown, at?: string): EventhookError => {
  try {
    validatePattern(pattern, at);
  } catch (err) {
    return err as EventhookError;
  }
  throw new Error('expected the pattern to be refused');
};

describe('an invalid pattern', () => {
  it('locates its one issue by JSON Pointer, as well as by the path shown in its message', () => {
    const err = refusal({ data: { total: [{ numeric: ['>', 'x'] }] } }, '/pattern');
    expect(err.code).toBe('EH_PATTERN_INVALID');
    expect(err.message).toBe('Invalid pattern at data.total[0].numeric[1]: Value of > must be numeric');
    expect(err.issues).toEqual([
      { path: '/pattern/data/total/0/numeric/1', message: 'Value of > must be numeric' },
    ]);
  });

  it('points into $or, and escapes keys with dots, slashes and tildes as RFC 6901 says', () => {
    expect(refusal({ $or: [{ a: ['x'] }, { b: 'y' }] }, '/pattern').issues?.[0]?.path).toBe(
      '/pattern/$or/1/b',
    );
    expect(refusal({ 'a.b': { 'c/d~': 'x' } }).issues?.[0]?.path).toBe('/a.b/c~1d~0');
    expect(refusal({ 'x y': [[]] }).issues?.[0]?.path).toBe('/x y/0');
  });

  it('points at the pattern itself when the pattern is not an object', () => {
    const err = refusal('nope', '/pattern');
    expect(err.message).toBe('Invalid pattern at (root): Filter is not an object');
    expect(err.issues).toEqual([{ path: '/pattern', message: 'Filter is not an object' }]);
  });
});
