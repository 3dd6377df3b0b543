// Dot paths into parsed bodies (`data.object.id`, `items.0.sku`), shared by idempotency keys, verifiers and
// provider templates.
import type { JsonValue } from '../core/index.js';

/**
 * Splits `a.b.0.c` into segments. Returns a reason string when the path is unusable. Segments are taken
 * literally (hyphens and underscores allowed, e.g. Mailgun's `event-data.id`); a numeric segment also indexes
 * arrays. `*` is returned as a segment and only callers that say so treat it as "every element".
 */
export function parseDotPath(path: string): string[] | { error: string } {
  if (path.length === 0) return { error: 'the path is empty' };
  if (path.length > 256) return { error: 'the path is longer than 256 characters' };
  const segments = path.split('.');
  if (segments.some((s) => s.length === 0)) return { error: `"${path}" has an empty segment` };
  if (segments.length > 32) return { error: `"${path}" has more than 32 segments` };
  return segments;
}

/** A segment that indexes an array: a canonical non-negative integer ("0", "12", not "01" or "-1"). */
const INDEX_SEGMENT = /^(0|[1-9]\d*)$/;

/** The value at `segments` inside `value`; only own properties are followed, so `__proto__` finds nothing. */
export function valueAtPath(
  value: JsonValue | undefined,
  segments: readonly string[],
): JsonValue | undefined {
  let current: JsonValue | undefined = value;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object') return undefined;
    if (Array.isArray(current)) {
      if (!INDEX_SEGMENT.test(segment)) return undefined;
      current = current[Number(segment)];
    } else {
      current = Object.hasOwn(current, segment) ? current[segment] : undefined;
    }
  }
  return current;
}

/** Like valueAtPath, but a `*` segment fans out over every element of an array. */
export function valuesAtPath(value: JsonValue | undefined, segments: readonly string[]): JsonValue[] {
  const star = segments.indexOf('*');
  if (star === -1) {
    const found = valueAtPath(value, segments);
    return found === undefined ? [] : [found];
  }
  const list = valueAtPath(value, segments.slice(0, star));
  if (!Array.isArray(list)) return [];
  return list.flatMap((item) => valuesAtPath(item, segments.slice(star + 1)));
}

/** A string or finite number at the path, as a string (what idempotency keys and subjects use). */
export function scalarAtPath(
  value: JsonValue | undefined,
  path: string | readonly string[],
): string | undefined {
  const segments = typeof path === 'string' ? parseDotPath(path) : path;
  if (!Array.isArray(segments)) return undefined;
  const found = valueAtPath(value, segments);
  if (typeof found === 'string') return found;
  if (typeof found === 'number' && Number.isFinite(found)) return String(found);
  return undefined;
}

/** A non-empty string at the path (event types, subjects). */
export function stringAtPath(value: JsonValue | undefined, path: string): string | undefined {
  const found = scalarAtPath(value, path);
  return found === undefined || found === '' ? undefined : found;
}

/**
 * A copy of `value` in which whatever sits at `segments` (`*` = every array element) is `replacement`; the rest is
 * shared with `value`, which is left as it was. A path that finds nothing returns `value` itself.
 */
export function replaceAtPath(
  value: JsonValue,
  segments: readonly string[],
  replacement: JsonValue,
): JsonValue {
  if (segments.length === 0) return replacement;
  if (value === null || typeof value !== 'object') return value;
  const [segment, ...rest] = segments as [string, ...string[]];
  if (Array.isArray(value)) {
    if (segment === '*') {
      const items = value.map((item) => replaceAtPath(item, rest, replacement));
      return items.every((item, i) => item === value[i]) ? value : items;
    }
    if (!INDEX_SEGMENT.test(segment) || Number(segment) >= value.length) return value;
    const index = Number(segment);
    const item = replaceAtPath(value[index]!, rest, replacement);
    return item === value[index] ? value : value.map((v, i) => (i === index ? item : v));
  }
  if (!Object.hasOwn(value, segment)) return value;
  const inner = replaceAtPath(value[segment]!, rest, replacement);
  return inner === value[segment] ? value : { ...value, [segment]: inner };
}
