// Conformance rows for anything-but (all forms), numeric, exists, cidr, $or and the combined examples of
// "Comparison operators for use in event patterns" and event-ruler's README.
import { EC2_STATE_CHANGE, RULER_EXAMPLE } from './aws-events.js';
import type { MatchCase } from './case-types.js';

export const ANYTHING_BUT_CASES: readonly MatchCase[] = [
  {
    name: 'anything-but a string',
    pattern: { detail: { state: [{ 'anything-but': 'initializing' }] } },
    matches: [
      { detail: { state: 'running' } },
      { detail: { state: 'Initializing' } },
      { detail: { state: 5 } },
    ],
    misses: [{ detail: { state: 'initializing' } }, { detail: {} }, {}],
  },
  {
    name: 'anything-but a number',
    pattern: { detail: { 'x-limit': [{ 'anything-but': 123 }] } },
    matches: [
      { detail: { 'x-limit': 124 } },
      { detail: { 'x-limit': '123' } },
      { detail: { 'x-limit': 123.5 } },
    ],
    misses: [{ detail: { 'x-limit': 123 } }, { detail: { 'x-limit': 1.23e2 } }],
  },
  {
    name: 'anything-but a list of strings',
    pattern: { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } },
    matches: [{ detail: { state: 'running' } }, { detail: { state: null } }, { detail: { state: true } }],
    misses: [{ detail: { state: 'stopped' } }, { detail: { state: 'overloaded' } }],
  },
  {
    name: 'anything-but a list of numbers',
    pattern: { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } },
    matches: [
      { detail: { 'x-limit': 101 } },
      { detail: { 'x-limit': 100.1 } },
      { detail: { 'x-limit': [100, 50] } },
    ],
    misses: [
      { detail: { 'x-limit': 100 } },
      { detail: { 'x-limit': [100, 200] } },
      { detail: { 'x-limit': [] } },
    ],
  },
  {
    name: 'anything-but prefix (the state does not start with init)',
    pattern: { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
    matches: [{ detail: { state: 'running' } }, { detail: { state: 'Init' } }, { detail: { state: 42 } }],
    misses: [{ detail: { state: 'initializing' } }, { detail: { state: 'init' } }],
  },
  {
    name: 'anything-but suffix (the file does not end with .txt)',
    pattern: { FileName: [{ 'anything-but': { suffix: '.txt' } }] },
    matches: [{ FileName: 'notes.md' }, { FileName: 'notes.TXT' }],
    misses: [{ FileName: 'notes.txt' }, { FileName: '.txt' }],
  },
  {
    name: 'anything-but equals-ignore-case',
    pattern: { state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'OverLoaded'] } }] },
    matches: [{ state: 'running' }, { state: 'stopping' }],
    misses: [{ state: 'STOPPED' }, { state: 'overloaded' }, { state: 'Stopped' }],
  },
  {
    name: 'anything-but wildcard (the path does not include /lib/)',
    pattern: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] },
    matches: [{ FilePath: '/usr/bin/node' }, { FilePath: 'lib/x' }],
    misses: [{ FilePath: '/usr/lib/node' }, { FilePath: 'a/lib/' }],
  },
  {
    name: 'anything-but prefix with a list',
    pattern: { Region: [{ 'anything-but': { prefix: ['us-', 'eu-'] } }] },
    matches: [{ Region: 'ap-south-1' }],
    misses: [{ Region: 'us-east-1' }, { Region: 'eu-west-3' }],
  },
];

export const NUMERIC_CASES: readonly MatchCase[] = [
  {
    name: 'numeric comparisons and ranges (event-ruler example)',
    pattern: {
      detail: {
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ numeric: ['=', 3.018e2] }],
      },
    },
    matches: [RULER_EXAMPLE],
    misses: [
      { detail: { ...RULER_EXAMPLE.detail, 'c-count': 0 } },
      { detail: { ...RULER_EXAMPLE.detail, 'c-count': 5.000001 } },
      { detail: { ...RULER_EXAMPLE.detail, 'd-count': 10 } },
      { detail: { ...RULER_EXAMPLE.detail, 'x-limit': 301.81 } },
    ],
  },
  {
    name: 'numeric matches JSON numbers only, never strings that look like numbers',
    pattern: { price: [{ numeric: ['>=', 100] }] },
    matches: [{ price: 100 }, { price: 1e3 }, { price: [1, 200] }],
    misses: [{ price: '200' }, { price: 99.999999 }, { price: true }, { price: null }, {}],
  },
  {
    name: 'numeric = compares values, not spellings',
    pattern: { price_usd: [{ numeric: ['=', 301.5] }] },
    matches: [{ price_usd: 301.5 }, JSON.parse('{"price_usd": 3.015e2}')],
    misses: [{ price_usd: 301.51 }],
  },
  {
    name: 'open and closed range ends',
    pattern: { a: [{ numeric: ['>=', -1.5, '<', 2] }] },
    matches: [{ a: -1.5 }, { a: 0 }, { a: 1.999999 }],
    misses: [{ a: 2 }, { a: -1.500001 }],
  },
  {
    name: 'numeric matching is limited to ±5e9 with six decimals',
    pattern: { a: [{ numeric: ['>', 0] }] },
    matches: [{ a: 5e9 }, { a: 0.000001 }],
    misses: [{ a: 5000000000.5 }, { a: 6e9 }, { a: 0.0000001 }, { a: 1.1234567 }],
  },
];

export const EXISTS_CASES: readonly MatchCase[] = [
  {
    name: 'exists true',
    pattern: { detail: { 'c-count': [{ exists: true }] } },
    matches: [RULER_EXAMPLE, { detail: { 'c-count': null } }, { detail: { 'c-count': [0] } }],
    misses: [EC2_STATE_CHANGE, { detail: { 'c-count': { c1: 100 } } }, { detail: { 'c-count': [] } }],
  },
  {
    name: 'exists false: absent field, missing intermediate keys, or not a leaf',
    pattern: { detail: { 'c-count': [{ exists: false }] } },
    matches: [
      EC2_STATE_CHANGE,
      { detail: { 'c-count': { c1: 100 } } },
      {},
      { detail: 'x' },
      { detail: { 'c-count': [] } },
    ],
    misses: [RULER_EXAMPLE, { detail: { 'c-count': null } }, { detail: { 'c-count': '' } }],
  },
  {
    name: 'exists false with another field',
    pattern: { source: ['aws.ec2'], detail: { 'c-count': [{ exists: false }] } },
    matches: [EC2_STATE_CHANGE],
    misses: [RULER_EXAMPLE, { detail: {} }],
  },
  {
    name: 'exists false or a value',
    pattern: { priority: [{ exists: false }, 'high'] },
    matches: [{}, { priority: 'high' }],
    misses: [{ priority: 'low' }, { priority: null }],
  },
  {
    name: 'exists false is array-consistent: absent from the element the other fields came from',
    pattern: { d: { a: [{ exists: true }], b: [{ exists: false }] } },
    matches: [{ d: [{ a: 1 }] }, { d: [{ a: 1 }, { b: 2 }] }, { d: [{ a: 1, b: 2 }, { a: 3 }] }],
    misses: [{ d: [{ a: 1, b: 2 }] }, { d: { a: 1, b: 2 } }],
  },
];

export const CIDR_CASES: readonly MatchCase[] = [
  {
    name: 'cidr IPv4',
    pattern: { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } },
    matches: [{ detail: { sourceIPAddress: '10.0.0.0' } }, { detail: { sourceIPAddress: '10.0.0.255' } }],
    misses: [
      { detail: { sourceIPAddress: '10.0.1.0' } },
      { detail: { sourceIPAddress: 'not-an-ip' } },
      { detail: { sourceIPAddress: 167772160 } },
      { detail: { sourceIPAddress: '::ffff:a00:1' } },
    ],
  },
  {
    name: 'cidr IPv6',
    pattern: { ip: [{ cidr: '2001:db8::/32' }] },
    matches: [{ ip: '2001:db8::1' }, { ip: '2001:0DB8:ffff::' }],
    misses: [{ ip: '2001:db9::1' }, { ip: '10.0.0.1' }],
  },
  {
    name: 'cidr /0 covers the whole family',
    pattern: { ip: [{ cidr: '0.0.0.0/0' }] },
    matches: [{ ip: '255.255.255.255' }, { ip: '0.0.0.0' }],
    misses: [{ ip: '::1' }],
  },
  {
    name: 'an exact value that is an IP address matches any spelling of it',
    pattern: { ip: ['::1', '10.0.0.1'] },
    matches: [{ ip: '0:0:0:0:0:0:0:1' }, { ip: '::1' }, { ip: '10.0.0.1' }],
    misses: [{ ip: '::2' }, { ip: '10.0.0.2' }],
  },
];

export const OR_CASES: readonly MatchCase[] = [
  {
    name: '$or between fields (Location or Day)',
    pattern: { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] },
    matches: [{ Location: 'New York' }, { Day: 'Monday' }, { Location: 'Paris', Day: 'Monday' }],
    misses: [{ Location: 'Paris', Day: 'Tuesday' }, {}],
  },
  {
    name: '$or with a shared field (source and (metricName or namespace))',
    pattern: {
      source: ['aws.cloudwatch'],
      $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
    },
    matches: [
      { source: 'aws.cloudwatch', namespace: 'AWS/ES' },
      { source: 'aws.cloudwatch', metricName: 'ReadLatency' },
    ],
    misses: [{ source: 'aws.ec2', namespace: 'AWS/ES' }, { source: 'aws.cloudwatch' }],
  },
  {
    name: 'parallel $or at two levels',
    pattern: {
      $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }],
      detail: { $or: [{ source: ['aws.cloudwatch'] }, { 'detail-type': ['CloudWatch Alarm State Change'] }] },
    },
    matches: [
      { namespace: 'AWS/EC2', detail: { source: 'aws.cloudwatch' } },
      { metricName: 'CPUUtilization', detail: { 'detail-type': 'CloudWatch Alarm State Change' } },
    ],
    misses: [{ namespace: 'AWS/EC2' }, { detail: { source: 'aws.cloudwatch' } }],
  },
  {
    name: 'nested $or and and',
    pattern: {
      source: ['aws.cloudwatch'],
      $or: [
        { metricName: ['CPUUtilization'] },
        {
          metricType: ['MetricType'],
          namespace: ['AWS/EC2'],
          $or: [{ metricId: [1234] }, { spaceId: [1000] }],
        },
        { scope: ['Service'] },
      ],
    },
    matches: [
      { source: 'aws.cloudwatch', scope: 'Service' },
      { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2', spaceId: 1000 },
    ],
    misses: [{ source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2' }],
  },
  {
    name: 'a field repeated on one branch keeps the last value list, as in event-ruler',
    pattern: { a: ['x'], $or: [{ a: ['y'] }, { b: ['z'] }] },
    matches: [{ a: 'y' }, { a: 'x', b: 'z' }],
    misses: [{ a: 'x' }, { b: 'z' }],
  },
];

export const COMBINED_CASES: readonly MatchCase[] = [
  {
    name: 'complex example with multiple matching',
    pattern: {
      time: [{ prefix: '2017-10-02' }],
      detail: {
        state: [{ 'anything-but': 'initializing' }],
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ 'anything-but': [100, 200, 300] }],
        'source-ip': [{ cidr: '10.0.0.0/8' }],
      },
    },
    matches: [RULER_EXAMPLE],
    misses: [
      { ...RULER_EXAMPLE, time: '2017-10-03T00:00:00Z' },
      { ...RULER_EXAMPLE, detail: { ...RULER_EXAMPLE.detail, state: 'initializing' } },
      { ...RULER_EXAMPLE, detail: { ...RULER_EXAMPLE.detail, 'source-ip': '11.0.0.1' } },
    ],
  },
  {
    name: 'one value list mixing operators',
    pattern: { a: ['x', { prefix: 'pre' }, { numeric: ['>', 10] }, null] },
    matches: [{ a: 'x' }, { a: 'prefix' }, { a: 11 }, { a: null }],
    misses: [{ a: 'y' }, { a: 10 }, { a: 'x ' }],
  },
];
