// The JSONPath subset EventBridge input transformers accept (`$.detail.state`, `$.items[0]`, `$.a[*].b`),
// parsed once at save time into segments and evaluated per event without a library.
import type { JsonValue } from '../core/envelope.js';

/** One step of a path: an object key, an array index, or `*` (every member of an object or array). */
export type PathSegment =
  | { readonly kind: 'key'; readonly key: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'wildcard' };

/** A parsed path. `wildcard` is true when any segment is `*`: the result is then always an array. */
export interface JsonPath {
  readonly source: string;
  readonly segments: readonly PathSegment[];
  readonly wildcard: boolean;
}

/** Characters a dotted key may hold: everything but separators, quotes and whitespace (AWS allows `-`, `_`, `/`). */
const DOTTED_KEY = /^[^.[\]\s'"*]+/;

/** Parses `$`, `.key`, `.*`, `[0]`, `[*]`, `['key']` and `["key"]` segments; returns the reason when invalid. */
export function parseJsonPath(source: string): JsonPath | { error: string } {
  if (typeof source !== 'string' || !source.startsWith('$')) {
    return { error: 'a path must start with $ (for example $.data.id)' };
  }
  const segments: PathSegment[] = [];
  let i = 1;
  while (i < source.length) {
    const rest = source.slice(i);
    if (rest.startsWith('.*')) {
      segments.push({ kind: 'wildcard' });
      i += 2;
    } else if (rest.startsWith('.')) {
      const key = DOTTED_KEY.exec(rest.slice(1))?.[0];
      if (!key) return { error: `expected a key after "." at position ${i + 1}` };
      segments.push({ kind: 'key', key });
      i += 1 + key.length;
    } else if (rest.startsWith('[*]')) {
      segments.push({ kind: 'wildcard' });
      i += 3;
    } else if (rest.startsWith('[')) {
      const bracket = parseBracket(rest);
      if ('error' in bracket) return { error: `${bracket.error} at position ${i}` };
      segments.push(bracket.segment);
      i += bracket.length;
    } else {
      return { error: `unexpected "${rest[0]}" at position ${i}; use .key, [index] or ['key']` };
    }
  }
  return { source, segments, wildcard: segments.some((s) => s.kind === 'wildcard') };
}

function parseBracket(rest: string): { segment: PathSegment; length: number } | { error: string } {
  const index = /^\[(\d{1,9})\]/.exec(rest);
  if (index) return { segment: { kind: 'index', index: Number(index[1]) }, length: index[0].length };
  const quoted = /^\[(['"])((?:(?!\1)[^\\]|\\.)*)\1\]/.exec(rest);
  if (quoted) {
    const key = quoted[2]!.replace(/\\(.)/g, '$1');
    return { segment: { kind: 'key', key }, length: quoted[0].length };
  }
  return { error: "expected [index], [*] or a quoted key such as ['x-key']" };
}

/**
 * Evaluates `path` against `root`. Without wildcards: the value, or undefined when a step is missing. With
 * wildcards: an array of every value found (missing branches are skipped), possibly empty.
 */
export function evaluateJsonPath(path: JsonPath, root: unknown): JsonValue | undefined {
  let current: unknown[] = [root];
  for (const segment of path.segments) {
    const next: unknown[] = [];
    for (const value of current) step(segment, value, next);
    current = next;
  }
  if (path.wildcard) return current as JsonValue[];
  return current[0] as JsonValue | undefined;
}

function step(segment: PathSegment, value: unknown, out: unknown[]): void {
  if (value === null || typeof value !== 'object') return;
  if (segment.kind === 'wildcard') {
    out.push(...(Array.isArray(value) ? value : Object.values(value)));
  } else if (segment.kind === 'index') {
    if (Array.isArray(value) && segment.index < value.length) out.push(value[segment.index]);
  } else if (!Array.isArray(value) && Object.prototype.hasOwnProperty.call(value, segment.key)) {
    out.push((value as Record<string, unknown>)[segment.key]);
  }
}
