// Numbers as the numeric operators see them: AWS limits numeric matching to -5e9..5e9 with six decimal places, so a
// number is scaled by 1e6 to an exact integer (at most 5e15 < 2^53) and compared as such.

export const NUMERIC_LIMIT = 5e9;
const SCALE = 1e6;

/** Why a number cannot take part in numeric matching, worded as AWS words it. */
const RANGE_REASON = 'Value must be between -5.0E9 and 5.0E9, inclusive';
const DECIMALS_REASON = 'Only values up to 6 decimals are supported';

/**
 * The scaled integer for `n`, or undefined when `n` is not finite, lies outside ±5e9, or needs more than six
 * decimal places. Such event values never match a numeric range or `anything-but` number (they are still compared
 * by value against exact numbers, which have no limit).
 */
export function toComparable(n: number): number | undefined {
  if (!(n >= -NUMERIC_LIMIT && n <= NUMERIC_LIMIT)) return undefined;
  const scaled = Math.round(n * SCALE);
  // Round-tripping proves `n` is the double nearest a decimal with at most six places.
  return scaled / SCALE === n ? scaled : undefined;
}

/** Like toComparable, but says why a pattern operand is unusable. */
export function comparableOrReason(n: number): number | string {
  if (!(n >= -NUMERIC_LIMIT && n <= NUMERIC_LIMIT)) return RANGE_REASON;
  return toComparable(n) ?? DECIMALS_REASON;
}

/** The scaled bounds of the whole numeric domain, used for one-sided ranges (`<`, `>=`, …). */
export const COMPARABLE_MIN = -NUMERIC_LIMIT * SCALE;
export const COMPARABLE_MAX = NUMERIC_LIMIT * SCALE;
