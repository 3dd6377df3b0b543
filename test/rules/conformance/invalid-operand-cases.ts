// Invalid operands of numeric, anything-but and cidr: rejected at save time with the path and an AWS-like reason.
import type { InvalidCase } from './case-types.js';

export const INVALID_OPERAND_CASES: readonly InvalidCase[] = [
  // numeric
  {
    name: 'numeric not an array',
    pattern: { a: [{ numeric: '>5' }] },
    path: 'a[0].numeric',
    reason: 'Value of numeric must be an array.',
  },
  {
    name: 'numeric empty',
    pattern: { a: [{ numeric: [] }] },
    path: 'a[0].numeric',
    reason: 'Empty arrays are not allowed',
  },
  {
    name: 'numeric operand missing',
    pattern: { a: [{ numeric: ['>'] }] },
    path: 'a[0].numeric[1]',
    reason: 'Value of > must be numeric',
  },
  {
    name: 'numeric operand a string',
    pattern: { a: [{ numeric: ['<', '5'] }] },
    path: 'a[0].numeric[1]',
    reason: 'Value of < must be numeric',
  },
  {
    name: 'numeric unknown operator',
    pattern: { a: [{ numeric: ['!=', 5] }] },
    path: 'a[0].numeric[0]',
    reason: 'Unrecognized numeric range operator: !=',
  },
  {
    name: 'numeric operator not a string',
    pattern: { a: [{ numeric: [5, '>'] }] },
    path: 'a[0].numeric[0]',
    reason: 'Invalid member in numeric match: 5',
  },
  {
    name: 'numeric range upside down',
    pattern: { a: [{ numeric: ['>', 10, '<', 5] }] },
    path: 'a[0].numeric',
    reason: 'Bottom must be less than top',
  },
  {
    name: 'numeric empty range',
    pattern: { a: [{ numeric: ['>=', 5, '<=', 5] }] },
    path: 'a[0].numeric',
    reason: 'Bottom must be less than top',
  },
  {
    name: 'numeric range wrong second operator',
    pattern: { a: [{ numeric: ['>', 0, '>', 5] }] },
    path: 'a[0].numeric[2]',
    reason: 'Bad numeric range operator: >',
  },
  {
    name: 'numeric range starting with <',
    pattern: { a: [{ numeric: ['<', 10, '>', 5] }] },
    path: 'a[0].numeric[2]',
    reason: 'Too many elements in numeric expression',
  },
  {
    name: 'numeric = with extra terms',
    pattern: { a: [{ numeric: ['=', 1, '<', 2] }] },
    path: 'a[0].numeric[2]',
    reason: 'Too many elements in numeric expression',
  },
  {
    name: 'numeric range with extra terms',
    pattern: { a: [{ numeric: ['>', 0, '<', 5, '<', 6] }] },
    path: 'a[0].numeric[4]',
    reason: 'Too many terms in numeric range expression',
  },
  {
    name: 'numeric range bad operator type',
    pattern: { a: [{ numeric: ['>', 0, 5] }] },
    path: 'a[0].numeric[2]',
    reason: 'Bad value in numeric range: 5',
  },
  {
    name: 'numeric beyond 5e9',
    pattern: { a: [{ numeric: ['>', 5.1e9] }] },
    path: 'a[0].numeric[1]',
    reason: 'Value must be between -5.0E9 and 5.0E9, inclusive',
  },
  {
    name: 'numeric with 7 decimals',
    pattern: { a: [{ numeric: ['=', 0.1234567] }] },
    path: 'a[0].numeric[1]',
    reason: 'Only values up to 6 decimals are supported',
  },
  // anything-but
  {
    name: 'anything-but null',
    pattern: { a: [{ 'anything-but': null }] },
    path: 'a[0].anything-but',
    reason: 'Value of anything-but must be an array or single string/number value.',
  },
  {
    name: 'anything-but list with null',
    pattern: { a: [{ 'anything-but': ['x', null] }] },
    path: 'a[0].anything-but[1]',
    reason: 'Inside anything-but list, start|null|boolean is not supported.',
  },
  {
    name: 'anything-but mixed list',
    pattern: { a: [{ 'anything-but': ['x', 1] }] },
    path: 'a[0].anything-but',
    reason: 'either all values are number or string, mixed type is not supported',
  },
  {
    name: 'anything-but empty list',
    pattern: { a: [{ 'anything-but': [] }] },
    path: 'a[0].anything-but',
    reason: 'Empty arrays are not allowed',
  },
  {
    name: 'anything-but unsupported form',
    pattern: { a: [{ 'anything-but': { numeric: ['>', 1] } }] },
    path: 'a[0].anything-but.numeric',
    reason: 'Unsupported anything-but pattern: numeric',
  },
  {
    name: 'anything-but empty form',
    pattern: { a: [{ 'anything-but': {} }] },
    path: 'a[0].anything-but',
    reason: 'Anything-but expression name not found',
  },
  {
    name: 'anything-but empty prefix',
    pattern: { a: [{ 'anything-but': { prefix: '' } }] },
    path: 'a[0].anything-but.prefix',
    reason: 'Null prefix/suffix not allowed',
  },
  {
    name: 'anything-but suffix number',
    pattern: { a: [{ 'anything-but': { suffix: 5 } }] },
    path: 'a[0].anything-but.suffix',
    reason: 'prefix/suffix match pattern must be a string',
  },
  {
    name: 'anything-but ignore-case number in list',
    pattern: { a: [{ 'anything-but': { 'equals-ignore-case': ['x', 1] } }] },
    path: 'a[0].anything-but.equals-ignore-case[1]',
    reason: 'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.',
  },
  {
    name: 'anything-but bad wildcard',
    pattern: { a: [{ 'anything-but': { wildcard: ['ok*', 'x**'] } }] },
    path: 'a[0].anything-but.wildcard[1]',
    reason: 'Consecutive wildcard characters at pos 1',
  },
  {
    name: 'anything-but two forms',
    pattern: { a: [{ 'anything-but': { prefix: 'a', suffix: 'b' } }] },
    path: 'a[0].anything-but',
    reason: 'Only one key allowed in match expression',
  },
  {
    name: 'anything-but number beyond range',
    pattern: { a: [{ 'anything-but': [6e9] }] },
    path: 'a[0].anything-but[0]',
    reason: 'Value must be between',
  },
  // cidr
  {
    name: 'cidr without mask',
    pattern: { ip: [{ cidr: '10.0.0.0' }] },
    path: 'ip[0].cidr',
    reason: "Malformed CIDR, one '/' required",
  },
  {
    name: 'cidr with two slashes',
    pattern: { ip: [{ cidr: 'a/b/c' }] },
    path: 'ip[0].cidr',
    reason: "Malformed CIDR, one '/' required",
  },
  {
    name: 'cidr mask not an integer',
    pattern: { ip: [{ cidr: '10.0.0.0/x' }] },
    path: 'ip[0].cidr',
    reason: 'Malformed CIDR, mask bits must be an integer',
  },
  {
    name: 'cidr negative mask',
    pattern: { ip: [{ cidr: '10.0.0.0/-1' }] },
    path: 'ip[0].cidr',
    reason: 'Malformed CIDR, mask bits must not be negative',
  },
  {
    name: 'cidr IPv4 mask too wide',
    pattern: { ip: [{ cidr: '192.168.0.1/33' }] },
    path: 'ip[0].cidr',
    reason: 'IPv4 mask bits must be < 32',
  },
  {
    name: 'cidr IPv6 mask too wide',
    pattern: { ip: [{ cidr: '2400:6500:FF00::36FB:1F80/222' }] },
    path: 'ip[0].cidr',
    reason: 'IPv6 mask bits must be < 128',
  },
  {
    name: 'cidr bad address',
    pattern: { ip: [{ cidr: '700.168.0.1/8' }] },
    path: 'ip[0].cidr',
    reason: 'Invalid IP address: 700.168.0.1',
  },
  {
    name: 'cidr host name',
    pattern: { ip: [{ cidr: 'snorkle/3' }] },
    path: 'ip[0].cidr',
    reason: 'Invalid IP address: snorkle',
  },
  {
    name: 'cidr not a string',
    pattern: { ip: [{ cidr: 10 }] },
    path: 'ip[0].cidr',
    reason: 'cidr match pattern must be a string',
  },
];
