// Invalid patterns (structure, match expressions, wildcard, $or): each must be rejected at save time with the path
// of the offending part and an AWS-like reason. Operand errors of numeric, anything-but and cidr are in
// invalid-operand-cases.ts.
import type { InvalidCase } from './case-types.js';

const many = (n: number): Record<string, string[]>[] =>
  Array.from({ length: n }, (_, i) => ({ [`f${i}`]: ['x'] }));

export const INVALID_CASES: readonly InvalidCase[] = [
  // structure
  { name: 'not an object', pattern: ['source'], path: '(root)', reason: 'Filter is not an object' },
  { name: 'null pattern', pattern: null, path: '(root)', reason: 'Filter is not an object' },
  { name: 'empty pattern', pattern: {}, path: '(root)', reason: 'Empty objects are not allowed' },
  {
    name: 'empty nested object',
    pattern: { detail: {} },
    path: 'detail',
    reason: 'Empty objects are not allowed',
  },
  {
    name: 'leaf is a string',
    pattern: { source: 'aws.ec2' },
    path: 'source',
    reason: '"source" must be an object or an array',
  },
  {
    name: 'leaf is a number',
    pattern: { data: { total: 5 } },
    path: 'data.total',
    reason: 'must be an object or an array',
  },
  { name: 'leaf is null', pattern: { a: null }, path: 'a', reason: 'must be an object or an array' },
  {
    name: 'empty value list',
    pattern: { source: [] },
    path: 'source',
    reason: 'Empty arrays are not allowed',
  },
  {
    name: 'nested array value',
    pattern: { a: [['x']] },
    path: 'a[0]',
    reason: 'Match value must be String, number, true, false, or null',
  },
  {
    name: 'odd key is quoted in the path',
    pattern: { 'a.b': { 'c d': [] } },
    path: '["a.b"]["c d"]',
    reason: 'Empty arrays',
  },
  // match expressions
  {
    name: 'empty match expression',
    pattern: { a: [{}] },
    path: 'a[0]',
    reason: 'Match expression name not found',
  },
  {
    name: 'unknown operator',
    pattern: { a: [{ regex: 'x' }] },
    path: 'a[0].regex',
    reason: 'Unrecognized match type regex',
  },
  {
    name: 'operator names are case-sensitive',
    pattern: { a: [{ Prefix: 'x' }] },
    path: 'a[0].Prefix',
    reason: 'Unrecognized match type Prefix',
  },
  {
    name: 'EXISTS in capitals',
    pattern: { a: [{ EXISTS: true }] },
    path: 'a[0].EXISTS',
    reason: 'Unrecognized match type EXISTS',
  },
  {
    name: 'two operators in one expression',
    pattern: { a: [{ prefix: 'x', suffix: 'y' }] },
    path: 'a[0]',
    reason: 'Only one key allowed in match expression',
  },
  {
    name: 'prefix not a string',
    pattern: { a: [{ prefix: 5 }] },
    path: 'a[0].prefix',
    reason: 'prefix match pattern must be a string',
  },
  {
    name: 'suffix not a string',
    pattern: { a: [{ suffix: null }] },
    path: 'a[0].suffix',
    reason: 'suffix match pattern must be a string',
  },
  {
    name: 'prefix with an unsupported form',
    pattern: { a: [{ prefix: { wildcard: 'x' } }] },
    path: 'a[0].prefix.wildcard',
    reason: 'Unsupported prefix pattern: wildcard',
  },
  {
    name: 'prefix ignore-case not a string',
    pattern: { a: [{ prefix: { 'equals-ignore-case': 1 } }] },
    path: 'a[0].prefix.equals-ignore-case',
    reason: 'equals-ignore-case match pattern must be a string',
  },
  {
    name: 'suffix with an empty form',
    pattern: { a: [{ suffix: {} }] },
    path: 'a[0].suffix',
    reason: 'Suffix expression name not found',
  },
  {
    name: 'equals-ignore-case not a string',
    pattern: { a: [{ 'equals-ignore-case': ['x'] }] },
    path: 'a[0].equals-ignore-case',
    reason: 'equals-ignore-case match pattern must be a string',
  },
  {
    name: 'exists not a boolean',
    pattern: { a: [{ exists: 'true' }] },
    path: 'a[0].exists',
    reason: 'exists match pattern must be either true or false.',
  },
  // wildcard
  {
    name: 'consecutive wildcards',
    pattern: { a: [{ wildcard: 'a**b' }] },
    path: 'a[0].wildcard',
    reason: 'Consecutive wildcard characters at pos 1',
  },
  {
    name: 'bad escape in wildcard',
    pattern: { a: [{ wildcard: 'a\\b' }] },
    path: 'a[0].wildcard',
    reason: 'Invalid escape character at pos 1',
  },
  {
    name: 'trailing backslash in wildcard',
    pattern: { a: [{ wildcard: 'a\\' }] },
    path: 'a[0].wildcard',
    reason: 'Invalid escape character',
  },
  {
    name: 'wildcard not a string',
    pattern: { a: [{ wildcard: 1 }] },
    path: 'a[0].wildcard',
    reason: 'wildcard match pattern must be a string',
  },
  // $or
  {
    name: '$or not an array',
    pattern: { $or: { a: ['x'] } },
    path: '$or',
    reason: 'It must be an Array followed with $or.',
  },
  {
    name: '$or with one object',
    pattern: { $or: [{ a: ['x'] }] },
    path: '$or',
    reason: 'There must have at least 2 Objects in $or relationship.',
  },
  {
    name: '$or with a non-object',
    pattern: { $or: [{ a: ['x'] }, ['b']] },
    path: '$or[1]',
    reason: 'Only JSON object is allowed in array of $or relationship.',
  },
  {
    name: '$or with an empty object',
    pattern: { $or: [{ a: ['x'] }, {}] },
    path: '$or[1]',
    reason: 'Empty objects are not allowed',
  },
  {
    name: 'reserved word inside $or',
    pattern: { $or: [{ numeric: [1] }, { prefix: ['a'] }] },
    path: '$or[0].numeric',
    reason: 'numeric is a reserved field name which cannot be used inside $or.',
  },
  {
    name: 'error inside a $or alternative',
    pattern: { $or: [{ a: ['x'] }, { source: [] }] },
    path: '$or[1].source',
    reason: 'Empty arrays are not allowed',
  },
  {
    name: 'too many $or combinations',
    pattern: { $or: many(40), x: { $or: many(30) } },
    path: 'x.$or',
    reason: 'Too many $or combinations',
  },
];
