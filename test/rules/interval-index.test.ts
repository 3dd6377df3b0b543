// The interval index used by numeric ranges and IPv4 blocks: stabbing queries agree with a linear scan.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IntervalIndex } from '../../src/rules/interval-index.js';

describe('IntervalIndex', () => {
  it('returns exactly the intervals containing a value, for small and large sets', () => {
    const interval = fc
      .tuple(fc.integer({ min: -50, max: 50 }), fc.integer({ min: 0, max: 30 }), fc.boolean(), fc.boolean())
      .map(([lo, len, loOpen, hiOpen]) => ({ lo, hi: lo + len, loOpen, hiOpen }));
    fc.assert(
      fc.property(
        fc.array(interval, { maxLength: 60 }),
        fc.array(fc.integer({ min: -60, max: 90 }), { maxLength: 20 }),
        (intervals, values) => {
          const index = new IntervalIndex<number>();
          intervals.forEach((it, i) => index.add({ ...it, target: i }));
          for (const v of values) {
            const found: number[] = [];
            index.collect(v, found);
            const expected = intervals.flatMap((it, i) =>
              (it.loOpen ? v > it.lo : v >= it.lo) && (it.hiOpen ? v < it.hi : v <= it.hi) ? [i] : [],
            );
            expect(found.sort((a, b) => a - b)).toEqual(expected);
          }
        },
      ),
    );
  });
});

describe('IntervalIndex at scale', () => {
  const check = (
    intervals: { lo: number; hi: number; loOpen: boolean; hiOpen: boolean }[],
    values: number[],
  ): void => {
    const index = new IntervalIndex<number>();
    intervals.forEach((it, i) => index.add({ ...it, target: i }));
    for (const v of values) {
      const found: number[] = [];
      index.collect(v, found);
      const expected = intervals.flatMap((it, i) =>
        (it.loOpen ? v > it.lo : v >= it.lo) && (it.hiOpen ? v < it.hi : v <= it.hi) ? [i] : [],
      );
      expect(found.sort((a, b) => a - b)).toEqual(expected);
    }
  };
  const values = Array.from({ length: 120 }, (_, i) => i * 25 - 1500);

  it('answers for many disjoint intervals (segment lists)', () => {
    check(
      Array.from({ length: 300 }, (_, i) => ({
        lo: i * 10,
        hi: i * 10 + 10,
        loOpen: i % 2 === 0,
        hiOpen: true,
      })),
      values,
    );
  });

  it('answers for many nested intervals (search tree)', () => {
    check(
      Array.from({ length: 300 }, (_, i) => ({
        lo: -i * 5,
        hi: i * 5 + 1,
        loOpen: false,
        hiOpen: i % 3 === 0,
      })),
      values,
    );
  });
});
