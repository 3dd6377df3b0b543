// The API takes a JSON body's values as they are (src/api/validation.ts): "3" is no integer. In an apply file a
// `${VAR}` reference is text, so where a field takes a number or a boolean (by the API's own schemas: a rule and its
// targets, a source's settings, an endpoint), text written for one becomes one before the file is checked and sent.
// Nothing else is converted: a number where text belongs stays a number, for the check to refuse.
import type { TSchema } from '@sinclair/typebox';

type Obj = Record<string, unknown>;

/** `value` with each string that `schema` wants as a number or a boolean turned into one, when it reads as one. */
export function typedValues(schema: TSchema, value: unknown): unknown {
  const s = schema as { properties?: Record<string, TSchema>; items?: TSchema };
  if (typeof value === 'string') return scalarOf(schema, value);
  if (Array.isArray(value)) return s.items ? value.map((v) => typedValues(s.items!, v)) : value;
  if (typeof value === 'object' && value !== null && s.properties) {
    const props = s.properties;
    return Object.fromEntries(
      Object.entries(value as Obj).map(([k, v]) => [k, props[k] ? typedValues(props[k], v) : v]),
    );
  }
  return value;
}

function scalarOf(schema: TSchema, text: string): unknown {
  const s = schema as { type?: unknown; anyOf?: TSchema[] };
  // A union that takes text keeps it; else the first member that reads it.
  if (s.anyOf) {
    if (s.anyOf.some((m) => (m as { type?: unknown }).type === 'string')) return text;
    for (const m of s.anyOf) {
      const v = scalarOf(m, text);
      if (v !== text) return v;
    }
    return text;
  }
  if ((s.type === 'integer' || s.type === 'number') && /^\s*-?\d+(\.\d+)?([eE][+-]?\d+)?\s*$/.test(text))
    return Number(text);
  if (s.type === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}
