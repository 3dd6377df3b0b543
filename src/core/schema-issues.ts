// TypeBox validation (Value.Errors) as located FieldIssues, worded as the HTTP validator words its own (see
// src/api/validation-issues.ts), for inputs checked below the HTTP schema: a custom verifier, a rule's targets.
import type { TSchema } from '@sinclair/typebox';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import type { FieldIssue } from './errors.js';
import { unknownFieldMessage } from './nearest-name.js';

/** Every problem of `value` against `schema`, once each, at `prefix` + its JSON Pointer (`/verifier/name`). */
export function schemaIssues(schema: TSchema, value: unknown, prefix = ''): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const seen = new Set<string>();
  for (const e of Value.Errors(schema, value)) {
    // A missing property also fails its own schema (undefined is no string): "is required" says all there is.
    if (e.value === undefined && e.type !== ValueErrorType.ObjectRequiredProperty) continue;
    const issue = { path: `${prefix}${e.path}`, message: wording(e) };
    const key = `${issue.path}\n${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}

const TYPE_NAMES: Partial<Record<ValueErrorType, string>> = {
  [ValueErrorType.String]: 'string',
  [ValueErrorType.Number]: 'number',
  [ValueErrorType.Integer]: 'integer',
  [ValueErrorType.Boolean]: 'boolean',
  [ValueErrorType.Object]: 'object',
  [ValueErrorType.Array]: 'array',
  [ValueErrorType.Null]: 'null',
};

function wording(e: ValueError): string {
  const s = e.schema as Record<string, unknown>;
  const type = TYPE_NAMES[e.type];
  if (type) return `must be ${type}`;
  switch (e.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return 'is required';
    case ValueErrorType.ObjectAdditionalProperties:
      return unknownFieldMessage(e.path.slice(e.path.lastIndexOf('/') + 1), Object.keys(s.properties ?? {}));
    case ValueErrorType.Literal:
      return `must be ${JSON.stringify(s.const)}`;
    case ValueErrorType.Union:
      return `must be ${alternatives(s.anyOf as TSchema[] | undefined)}`;
    case ValueErrorType.StringMinLength:
      return `must NOT have fewer than ${String(s.minLength)} characters`;
    case ValueErrorType.StringMaxLength:
      return `must NOT have more than ${String(s.maxLength)} characters`;
    case ValueErrorType.StringPattern:
      return `must match pattern "${String(s.pattern)}"`;
    case ValueErrorType.StringFormat:
      return `must match format "${String(s.format)}"`;
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.IntegerMinimum:
      return `must be >= ${String(s.minimum)}`;
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.IntegerMaximum:
      return `must be <= ${String(s.maximum)}`;
    case ValueErrorType.NumberExclusiveMinimum:
    case ValueErrorType.IntegerExclusiveMinimum:
      return `must be > ${String(s.exclusiveMinimum)}`;
    case ValueErrorType.NumberExclusiveMaximum:
    case ValueErrorType.IntegerExclusiveMaximum:
      return `must be < ${String(s.exclusiveMaximum)}`;
    case ValueErrorType.ArrayMinItems:
      return `must NOT have fewer than ${String(s.minItems)} items`;
    case ValueErrorType.ArrayMaxItems:
      return `must NOT have more than ${String(s.maxItems)} items`;
    default:
      return e.message;
  }
}

/** A union's members as a reader wants them: `one of sha1, sha256` for constants, else `string or array`. */
function alternatives(members: readonly TSchema[] = []): string {
  const consts = members.map((m) => (m as { const?: unknown }).const);
  if (consts.length > 0 && consts.every((c) => c !== undefined))
    return `one of ${consts.map((c) => (typeof c === 'string' ? c : JSON.stringify(c))).join(', ')}`;
  const types = [...new Set(members.map((m) => String((m as { type?: unknown }).type ?? 'a value')))];
  return types.join(' or ');
}
