// Numbers as numeric matching sees them: six decimals, ±5e9, exact comparison.
import { describe, expect, it } from 'vitest';
import { comparableOrReason, toComparable } from '../../src/rules/comparable-number.js';

describe('toComparable', () => {
  it('scales numbers with up to six decimals inside ±5e9 to exact integers', () => {
    expect(toComparable(0)).toBe(0);
    expect(toComparable(301.8)).toBe(301_800_000);
    expect(toComparable(0.000001)).toBe(1);
    expect(toComparable(-5e9)).toBe(-5e15);
    expect(toComparable(5e9)).toBe(5e15);
    expect(toComparable(0.1 + 0.2)).toBeUndefined(); // 0.30000000000000004: seventeen decimals
    // 0.1 and 0.2 are each exactly representable as six-decimal values, so ranges compare them exactly.
    expect(toComparable(0.2)! - toComparable(0.1)!).toBe(100_000);
  });

  it('leaves out numbers the numeric operators cannot take', () => {
    for (const n of [5e9 + 1, -5.000001e9, 1e-7, 1.1234567, Infinity, Number.NaN])
      expect(toComparable(n), String(n)).toBeUndefined();
    expect(comparableOrReason(6e9)).toBe('Value must be between -5.0E9 and 5.0E9, inclusive');
    expect(comparableOrReason(1.1234567)).toBe('Only values up to 6 decimals are supported');
  });
});
