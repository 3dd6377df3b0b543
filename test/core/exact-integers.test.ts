// Integers beyond 2^53 are found in a JSON text (not inside strings) and written back as they arrived.
import { describe, expect, it } from 'vitest';
import { exactIntegersIn, mergeExactIntegers, stringifyExact } from '../../src/core/exact-integers.js';

/** The double JSON.parse makes of these digits (a literal of them would lose precision). */
const double = (digits: string) => Number(digits);

describe('exact integers', () => {
  it('lists only the integers parsing rounds, outside strings', () => {
    const text =
      '{"id":1234567890123456789,"neg":-9007199254740993,"safe":9007199254740991,"pow":9007199254740992,' +
      '"text":"1234567890123456789","dec":1234567890123456.5,"exp":1e300,"esc":"a\\"12345678901234567891"}';
    const exact = exactIntegersIn(text)!;
    expect([...exact.entries()]).toEqual([
      [double('1234567890123456789'), '1234567890123456789'],
      [double('-9007199254740993'), '-9007199254740993'],
    ]);
    expect(exactIntegersIn('{"a":123456789012345,"s":"12345678901234567890"}')).toBeUndefined();
    expect(exactIntegersIn('{"a":1}')).toBeUndefined();
  });

  it('writes them back wherever the double they became is written, and leaves other numbers alone', () => {
    const text = '{"order":{"id":1234567890123456789},"n":[18446744073709551615, 2.5]}';
    const exact = exactIntegersIn(text);
    const data = JSON.parse(text);
    expect(JSON.stringify(data)).toBe('{"order":{"id":1234567890123456800},"n":[18446744073709552000,2.5]}');
    expect(stringifyExact(data, exact)).toBe(
      '{"order":{"id":1234567890123456789},"n":[18446744073709551615,2.5]}',
    );
    // Moved by a transform, still the integer that arrived.
    expect(stringifyExact({ orderId: data.order.id, note: 'x' }, exact)).toBe(
      '{"orderId":1234567890123456789,"note":"x"}',
    );
    expect(stringifyExact({ a: 1 }, undefined)).toBe('{"a":1}');
    expect(stringifyExact(undefined, exact)).toBeUndefined();
  });

  it('leaves a double two different integers became as it is: which one it stands for cannot be told', () => {
    // 9007199254740992 is exact itself, and 9007199254740993 became it: a written 2^53 could be either.
    const exact = exactIntegersIn('[9007199254740993,9007199254740992,12345678901234567891]')!;
    expect(exact.get(9007199254740992)).toBeNull();
    expect(stringifyExact([9007199254740992], exact)).toBe('[9007199254740992]');
    expect(exact.get(double('12345678901234567891'))).toBe('12345678901234567891');
    const both = exactIntegersIn('[9007199254740993,9007199254740995,9007199254740993]')!;
    expect(both.get(9007199254740992)).toBe('9007199254740993');
    expect(both.get(9007199254740996)).toBe('9007199254740995');
    const ambiguous = exactIntegersIn('[18014398509481985,18014398509481986,18014398509481987]')!;
    expect(ambiguous.get(18014398509481984)).toBeNull();
    expect(stringifyExact(JSON.parse('[18014398509481985]'), ambiguous)).toBe('[18014398509481984]');
  });

  it('merges several events’ integers, dropping a double they disagree on', () => {
    const a = exactIntegersIn('[18014398509481985]');
    const b = exactIntegersIn('[18014398509481986, 1234567890123456789]');
    const merged = mergeExactIntegers([a, undefined, b])!;
    expect(merged.get(18014398509481984)).toBeNull();
    expect(merged.get(double('1234567890123456789'))).toBe('1234567890123456789');
    expect(mergeExactIntegers([undefined, undefined])).toBeUndefined();
  });

  it('cannot be fooled by text that looks like its marker', () => {
    const exact = exactIntegersIn('{"id":1234567890123456789}');
    const value = { id: double('1234567890123456789'), s: '"\u2063eh1:5"' };
    expect(JSON.parse(stringifyExact(value, exact)).s).toBe(value.s);
  });
});
