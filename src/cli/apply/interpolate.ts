// Environment references in apply files: `${NAME}` and `${NAME:-default}` inside string values, so secrets stay out
// of the file. Names are capitals (A–Z, 0–9, _), as environment variables are: `${event.type}` in a JavaScript
// filter or transform is left alone. `$${NAME}` writes a literal `${NAME}`.
import type { Path } from './load-file.js';

const REFERENCE = /\$(\$?)\{([A-Z_][A-Z0-9_]*)(?::-([^}]*))?\}/g;

/** A reference to a variable that is not set (and has no default), with where it is. */
export interface MissingVariable {
  readonly name: string;
  readonly path: Path;
}

/** Replaces references in every string of `value` (keys are left alone); collects the unset ones. */
export function interpolate(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  missing: MissingVariable[] = [],
  path: Path = [],
): unknown {
  if (typeof value === 'string') {
    return value.replace(REFERENCE, (whole, escaped: string, name: string, fallback: string | undefined) => {
      if (escaped) return whole.slice(1);
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (fallback !== undefined) return fallback;
      missing.push({ name, path });
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, missing, [...path, i]));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolate(v, env, missing, [...path, k])]),
    );
  }
  return value;
}
