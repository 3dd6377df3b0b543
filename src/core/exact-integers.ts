// Integers beyond 2^53 in a webhook's JSON (64-bit ids some providers send as numbers) become the nearest double
// when parsed, and the double is what JSON.stringify writes back: a forwarded 1234567890123456789 would arrive as
// 1234567890123456800. Matching and transforms work on the parsed values (docs/pattern-language.md says so), but what
// leaves Eventhook — a delivery's body, the event API — writes such a number as the digits that arrived.
//
// The stored text of a JSON body is exact; this module lists its inexact integers once, when the event is read, and
// puts them back wherever the double they became is written out. Bodies without a run of 16 digits (nearly all) cost
// one regex test.

/** A double an integer of the event became → the digits that arrived; null when two different integers became it. */
export type ExactIntegers = ReadonlyMap<number, string | null>;

/** Every integer of at least 16 digits; 2^53 has 16, so nothing shorter can be inexact. */
const LONG_DIGITS = /\d{16}/;
const NUMBER_TOKEN = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * The integers of `jsonText` (valid JSON) that its parsed value does not hold exactly, or undefined when there are
 * none. Strings are skipped, so digits inside them (ids sent as text) are not counted.
 */
export function exactIntegersIn(jsonText: string): ExactIntegers | undefined {
  if (!LONG_DIGITS.test(jsonText)) return undefined;
  // Every long integer claims the double it became, exact ones too: 9007199254740992 and 9007199254740993 are both
  // written 9007199254740992, and which one arrived cannot be told then.
  let found: Map<number, string | null> | undefined;
  let inexact = false;
  for (let i = 0; i < jsonText.length; i++) {
    const c = jsonText.charCodeAt(i);
    if (c === 0x22 /* " */) {
      i = endOfString(jsonText, i);
      continue;
    }
    if (c !== 0x2d /* - */ && (c < 0x30 || c > 0x39)) continue;
    NUMBER_TOKEN.lastIndex = i;
    const token = NUMBER_TOKEN.exec(jsonText)![0];
    i += token.length - 1;
    if (token.length < 16 || /[.eE]/.test(token)) continue;
    found ??= new Map();
    const value = Number(token);
    const seen = found.get(value);
    found.set(value, seen === undefined || seen === token ? token : null);
    inexact ||= BigInt(token) !== BigInt(value);
  }
  if (!found || !inexact) return undefined;
  // An exact integer alone needs nothing: the double is written as its digits anyway.
  for (const [value, digits] of found)
    if (digits !== null && BigInt(digits) === BigInt(value)) found.delete(value);
  return found;
}

function endOfString(text: string, quote: number): number {
  for (let i = quote + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c /* \ */) i++;
    else if (c === 0x22) return i;
  }
  return text.length;
}

/**
 * JSON.stringify of `value`, with each double that one of the event's inexact integers became written as that
 * integer's digits. Without any, plain JSON.stringify.
 */
export function stringifyExact(value: unknown, exact: ExactIntegers | undefined): string {
  if (exact === undefined) return JSON.stringify(value);
  // Each replaced number is first written as a string carrying a marker no text of the event can hold (it is made
  // here, now), then the quoted marker is swapped for the digits.
  const marker = `\u2063eh${Math.random().toString(36).slice(2)}:`;
  let replaced = false;
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'number' || Number.isSafeInteger(v)) return v;
    const digits = exact.get(v);
    if (digits == null) return v;
    replaced = true;
    return marker + digits;
  });
  return replaced ? text.replace(new RegExp(`"${marker}(-?\\d+)"`, 'g'), '$1') : text;
}

/** The inexact integers of several events, for one answer holding them all; undefined when none has any. */
export function mergeExactIntegers(all: readonly (ExactIntegers | undefined)[]): ExactIntegers | undefined {
  let merged: Map<number, string | null> | undefined;
  for (const exact of all) {
    if (exact === undefined) continue;
    merged ??= new Map();
    for (const [value, digits] of exact) {
      const seen = merged.get(value);
      merged.set(value, seen === undefined || seen === digits ? digits : null);
    }
  }
  return merged;
}
