// Prefixed ULIDs: format, time encoding (checked against the ulid package), monotonic order and uniqueness.
import { decodeTime, encodeTime, isValid, ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { idFloor, idTime, isId, newId } from '../../src/core/ids.js';

describe('newId', () => {
  it('is the kind prefix and a 26-character Crockford base32 ULID carrying the time', () => {
    const now = Date.UTC(2026, 4, 17, 8, 30, 0, 123);
    const id = newId('event', now);
    expect(id).toMatch(/^evt_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(isValid(id.slice(4))).toBe(true);
    expect(decodeTime(id.slice(4))).toBe(now);
    expect(idTime(id)).toBe(now);
    expect(isId('event', id)).toBe(true);
    expect(isId('source', id)).toBe(false);
    expect(newId('source', now)).toMatch(/^src_/);
  });

  it('sorts in creation order within one millisecond, across milliseconds and when the clock steps back', () => {
    const now = Date.now() + 10_000;
    const ids = [
      ...Array.from({ length: 1000 }, () => newId('event', now)),
      ...Array.from({ length: 10 }, () => newId('event', now + 1)),
      ...Array.from({ length: 10 }, () => newId('event', now - 5_000)),
    ];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    // A step back keeps the last time rather than going back.
    expect(idTime(ids.at(-1)!)).toBe(now + 1);
  });

  it('has a floor per time: ids made before it sort below, ids made at it or later do not', () => {
    const t = Date.UTC(2026, 2, 3, 4, 5, 6, 7);
    const floor = idFloor('event', t);
    expect(floor).toBe(`evt_${encodeTime(t, 10)}`);
    for (const [time, below] of [
      [t - 1, true],
      [t - 86_400_000, true],
      [t, false],
      [t + 1, false],
    ] as const) {
      const id = `evt_${ulid(time)}`;
      expect(id < floor, `${time - t} ms`).toBe(below);
    }
  });

  it('draws fresh randomness for each new millisecond', () => {
    const base = Date.now() + 20_000;
    const randoms = Array.from({ length: 2000 }, (_, i) => newId('action', base + i).slice(14));
    expect(new Set(randoms).size).toBe(randoms.length);
    // Every base32 digit shows up in the random parts (no stuck bits).
    expect(new Set(randoms.join('')).size).toBe(32);
  });

  it('refuses times a ULID cannot hold', () => {
    expect(() => newId('event', 2 ** 48 + 1e9)).toThrow(RangeError);
  });
});
