// fast-check generators for the property tests: patterns drawn from every operator family over a small vocabulary of
// keys and values, and events over the same vocabulary (nesting, dotted keys, arrays of objects and scalars), so
// random patterns and events collide often enough to exercise matches and near-misses.
import fc from 'fast-check';
import { parsePattern } from '../../src/rules/pattern-parser.js';

const KEYS = ['a', 'b', 'c'] as const;
const STRINGS = [
  '',
  'x',
  'X',
  'xy',
  'yx',
  'xyz',
  'a*b',
  '10.0.0.1',
  '10.1.0.1',
  '::1',
  '0:0::1',
  'init',
  'INIT',
];
const NUMBERS = [0, 1, -1, 1.5, 2, 100, 300, 5e9, 6e9, 0.1234567, -0];

export const leafValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...STRINGS),
  fc.constantFrom(...NUMBERS),
  fc.constantFrom(true, false, null),
);

const str = fc.constantFrom(...STRINGS);
const num = fc.constantFrom(...NUMBERS.filter((n) => Math.abs(n) <= 5e9 && Number.isInteger(n * 2)));
const wildcardText = fc.constantFrom('*', 'x*', '*y', 'x*y', 'a\\*b', '*x*', 'xy', '*.*.*.1');
const nonEmptyStr = fc.constantFrom(...STRINGS.filter((s) => s !== ''));

const numericPattern = fc.oneof(
  fc.tuple(fc.constantFrom('=', '<', '<=', '>', '>='), num).map(([op, v]) => ({ numeric: [op, v] })),
  fc
    .tuple(num, num, fc.constantFrom('>', '>='), fc.constantFrom('<', '<='))
    .filter(([lo, hi]) => lo < hi)
    .map(([lo, hi, o1, o2]) => ({ numeric: [o1, lo, o2, hi] })),
);

const anythingBut = fc.oneof(
  str.map((s) => ({ 'anything-but': s })),
  num.map((n) => ({ 'anything-but': n })),
  fc.array(str, { minLength: 1, maxLength: 3 }).map((l) => ({ 'anything-but': l })),
  fc.array(num, { minLength: 1, maxLength: 3 }).map((l) => ({ 'anything-but': l })),
  fc.array(nonEmptyStr, { minLength: 1, maxLength: 2 }).map((l) => ({ 'anything-but': { prefix: l } })),
  nonEmptyStr.map((s) => ({ 'anything-but': { suffix: s } })),
  fc.array(str, { minLength: 1, maxLength: 2 }).map((l) => ({ 'anything-but': { 'equals-ignore-case': l } })),
  wildcardText.map((w) => ({ 'anything-but': { wildcard: w } })),
);

export const valuePattern: fc.Arbitrary<unknown> = fc.oneof(
  leafValue.filter((v) => typeof v !== 'number' || (Number.isFinite(v) && !Object.is(v, -0))),
  str.map((s) => ({ prefix: s })),
  str.map((s) => ({ suffix: s })),
  str.map((s) => ({ prefix: { 'equals-ignore-case': s } })),
  str.map((s) => ({ suffix: { 'equals-ignore-case': s } })),
  str.map((s) => ({ 'equals-ignore-case': s })),
  wildcardText.map((w) => ({ wildcard: w })),
  numericPattern,
  anythingBut,
  fc.boolean().map((b) => ({ exists: b })),
  fc.constantFrom('10.0.0.0/8', '10.0.0.0/24', '::/1').map((c) => ({ cidr: c })),
);

const valueList = fc.array(valuePattern, { minLength: 1, maxLength: 3 });
const path = fc.array(fc.constantFrom(...KEYS), { minLength: 1, maxLength: 3 });

/** A field object: 1–3 paths, each written nested or dotted. */
const fields: fc.Arbitrary<Record<string, unknown>> = fc
  .array(fc.tuple(path, valueList, fc.boolean()), { minLength: 1, maxLength: 3 })
  .map((entries) => {
    const out: Record<string, unknown> = {};
    for (const [segments, values, dotted] of entries) {
      if (dotted) {
        out[segments.join('.')] = values;
        continue;
      }
      let at = out;
      segments.slice(0, -1).forEach((s) => {
        const next = at[s];
        at =
          typeof next === 'object' && next !== null && !Array.isArray(next)
            ? (next as Record<string, unknown>)
            : (at[s] = {});
      });
      at[segments[segments.length - 1] as string] = values;
    }
    return out;
  });

/** A pattern: fields, optionally with a `$or` of 2–3 field objects. */
export const pattern: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    fc.option(fields, { nil: undefined }),
    fc.option(fc.array(fields, { minLength: 2, maxLength: 3 }), { nil: undefined }),
  )
  .filter(([f, or]) => f !== undefined || or !== undefined)
  .map(([f, or]) => ({ ...(f ?? {}), ...(or === undefined ? {} : { $or: or }) }))
  // A few combinations are invalid (e.g. [">", 5e9] leaves an empty range); the properties are about valid ones.
  .filter((p) => {
    try {
      parsePattern(p);
      return true;
    } catch {
      return false;
    }
  });

/** An event over the same keys: objects, arrays of objects, arrays of scalars, dotted keys, scalars. */
export const event: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafValue,
    tie('object'),
    fc.array(tie('node'), { maxLength: 3 }),
  ),
  object: fc.dictionary(fc.constantFrom(...KEYS, 'a.b', 'b.c'), tie('node'), { maxKeys: 3 }),
})).object;
