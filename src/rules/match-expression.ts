// Parsing of a field's value list (`"state": ["running", {"prefix": "init"}, …]`) and of each match expression in
// it, with event-ruler's rules and (mostly) its error wording. Operator names are case-sensitive, as in AWS.
import { foldCase } from './affix-index.js';
import { comparableOrReason } from './comparable-number.js';
import { parseCidr, parseIp } from './ip-address.js';
import { parseNumericOperands } from './numeric-expression.js';
import { indexPath, invalidPattern, isObject, keyPath } from './pattern-error.js';
import type { Exclusion, ValuePattern, Wildcard } from './pattern-types.js';
import { parseWildcard } from './wildcard.js';

/** Parses the array a field maps to. `at` is the array's path in the pattern. */
export function parseValueList(list: readonly unknown[], at: string): ValuePattern[] {
  if (list.length === 0) invalidPattern(at, 'Empty arrays are not allowed');
  return list.map((item, i) => parseValue(item, indexPath(at, i)));
}

function parseValue(item: unknown, at: string): ValuePattern {
  if (typeof item === 'string') {
    const address = parseIp(item);
    return address === undefined ? { kind: 'exact', value: item } : { kind: 'ip', address };
  }
  if ((typeof item === 'number' && Number.isFinite(item)) || typeof item === 'boolean' || item === null) {
    return { kind: 'exact', value: item };
  }
  if (isObject(item)) return parseMatchExpression(item, at);
  return invalidPattern(at, 'Match value must be String, number, true, false, or null');
}

function parseMatchExpression(expr: Record<string, unknown>, at: string): ValuePattern {
  const keys = Object.keys(expr);
  const op = keys[0];
  if (op === undefined) return invalidPattern(at, 'Match expression name not found');
  const opAt = keyPath(at, op);
  const value = expr[op];
  const parsed = parseOperator(op, value, opAt);
  if (keys.length > 1) invalidPattern(at, 'Only one key allowed in match expression');
  return parsed;
}

function parseOperator(op: string, value: unknown, at: string): ValuePattern {
  switch (op) {
    case 'prefix':
    case 'suffix':
      if (isObject(value)) return { kind: op, value: ignoreCaseOperand(op, value, at), ignoreCase: true };
      if (typeof value !== 'string') return invalidPattern(at, `${op} match pattern must be a string`);
      return { kind: op, value, ignoreCase: false };
    case 'equals-ignore-case':
      if (typeof value !== 'string')
        return invalidPattern(at, 'equals-ignore-case match pattern must be a string');
      return { kind: 'equals-ignore-case', value: foldCase(value) };
    case 'wildcard':
      if (typeof value !== 'string') return invalidPattern(at, 'wildcard match pattern must be a string');
      return { kind: 'wildcard', wildcard: wildcardOrFail(value, at) };
    case 'numeric':
      if (!Array.isArray(value)) return invalidPattern(at, 'Value of numeric must be an array.');
      return { kind: 'numeric', range: parseNumericOperands(value, at) };
    case 'cidr': {
      if (typeof value !== 'string') return invalidPattern(at, 'cidr match pattern must be a string');
      const range = parseCidr(value);
      return typeof range === 'string' ? invalidPattern(at, range) : { kind: 'cidr', range };
    }
    case 'exists':
      if (typeof value !== 'boolean')
        return invalidPattern(at, 'exists match pattern must be either true or false.');
      return value ? { kind: 'exists' } : { kind: 'absent' };
    case 'anything-but':
      return { kind: 'anything-but', exclude: parseAnythingBut(value, at) };
    default:
      return invalidPattern(at, `Unrecognized match type ${op}`);
  }
}

/** `{"prefix": {"equals-ignore-case": "EventB"}}`: returns the folded operand. */
function ignoreCaseOperand(op: 'prefix' | 'suffix', inner: Record<string, unknown>, at: string): string {
  const keys = Object.keys(inner);
  const name = keys[0];
  const title = op === 'prefix' ? 'Prefix' : 'Suffix';
  if (name === undefined) return invalidPattern(at, `${title} expression name not found`);
  if (name !== 'equals-ignore-case')
    return invalidPattern(keyPath(at, name), `Unsupported ${op} pattern: ${name}`);
  const value = inner[name];
  if (typeof value !== 'string') {
    return invalidPattern(keyPath(at, name), 'equals-ignore-case match pattern must be a string');
  }
  if (keys.length > 1) invalidPattern(at, 'Only one key allowed in match expression');
  return foldCase(value);
}

function parseAnythingBut(value: unknown, at: string): Exclusion {
  if (isObject(value)) return parseAnythingButForm(value, at);
  if (typeof value === 'string') return { form: 'values', strings: [value], numbers: [] };
  if (typeof value === 'number')
    return { form: 'values', strings: [], numbers: [comparableOrFail(value, at)] };
  if (!Array.isArray(value)) {
    return invalidPattern(at, 'Value of anything-but must be an array or single string/number value.');
  }
  if (value.length === 0) return invalidPattern(at, 'Empty arrays are not allowed');
  const strings: string[] = [];
  const numbers: number[] = [];
  value.forEach((item, i) => {
    if (typeof item === 'string') strings.push(item);
    else if (typeof item === 'number') numbers.push(comparableOrFail(item, indexPath(at, i)));
    else invalidPattern(indexPath(at, i), 'Inside anything-but list, start|null|boolean is not supported.');
  });
  if (strings.length > 0 && numbers.length > 0) {
    invalidPattern(
      at,
      'Inside anything-but list, either all values are number or string, mixed type is not supported',
    );
  }
  return { form: 'values', strings, numbers };
}

const ANYTHING_BUT_FORMS = ['equals-ignore-case', 'prefix', 'suffix', 'wildcard'] as const;
type AnythingButForm = (typeof ANYTHING_BUT_FORMS)[number];

/** `{"anything-but": {"prefix": "init"}}` and its suffix, equals-ignore-case and wildcard siblings. */
function parseAnythingButForm(inner: Record<string, unknown>, at: string): Exclusion {
  const keys = Object.keys(inner);
  const name = keys[0];
  if (name === undefined) return invalidPattern(at, 'Anything-but expression name not found');
  if (!(ANYTHING_BUT_FORMS as readonly string[]).includes(name)) {
    return invalidPattern(keyPath(at, name), `Unsupported anything-but pattern: ${name}`);
  }
  const form = name as AnythingButForm;
  const formAt = keyPath(at, name);
  const raw = inner[name];
  let texts: string[];
  if (typeof raw === 'string') {
    texts = [checkFormOperand(form, raw, formAt)];
  } else if (Array.isArray(raw)) {
    if (raw.length === 0) return invalidPattern(formAt, 'Empty arrays are not allowed');
    texts = raw.map((item, i) => checkFormOperand(form, item, indexPath(formAt, i)));
  } else if (typeof raw === 'number') {
    return invalidPattern(formAt, formTypeReason(form));
  } else {
    return invalidPattern(formAt, 'Value of anything-but must be an array or single string/number value.');
  }
  if (keys.length > 1) invalidPattern(at, 'Only one key allowed in match expression');
  switch (form) {
    case 'equals-ignore-case':
      return { form, values: texts.map(foldCase) };
    case 'wildcard':
      return {
        form,
        wildcards: texts.map((t, i) => wildcardOrFail(t, Array.isArray(raw) ? indexPath(formAt, i) : formAt)),
      };
    default:
      return { form, values: texts };
  }
}

function checkFormOperand(form: AnythingButForm, item: unknown, at: string): string {
  if (typeof item !== 'string') return invalidPattern(at, formTypeReason(form));
  if ((form === 'prefix' || form === 'suffix') && item === '')
    invalidPattern(at, 'Null prefix/suffix not allowed');
  return item;
}

function formTypeReason(form: AnythingButForm): string {
  if (form === 'equals-ignore-case') {
    return 'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.';
  }
  if (form === 'wildcard') return 'wildcard match pattern must be a string';
  return 'prefix/suffix match pattern must be a string';
}

function wildcardOrFail(text: string, at: string): Wildcard {
  const w = parseWildcard(text);
  return typeof w === 'string' ? invalidPattern(at, w) : w;
}

function comparableOrFail(n: number, at: string): number {
  const c = comparableOrReason(n);
  return typeof c === 'string' ? invalidPattern(at, c) : c;
}
