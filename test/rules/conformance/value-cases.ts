// Conformance rows for exact values of every JSON type, null vs absent vs empty, arrays, nesting and dotted keys,
// from "Amazon EventBridge event patterns", "Matching null values and empty strings" and "Arrays in event patterns".
import { AUTOSCALING_LAUNCH, EC2_STATE_CHANGE, MACIE_ALERT } from './aws-events.js';
import type { MatchCase } from './case-types.js';

export const VALUE_CASES: readonly MatchCase[] = [
  {
    name: 'the EC2 instance-termination pattern',
    pattern: {
      source: ['aws.ec2'],
      'detail-type': ['EC2 Instance State-change Notification'],
      detail: { state: ['terminated'] },
    },
    matches: [EC2_STATE_CHANGE],
    misses: [
      { ...EC2_STATE_CHANGE, detail: { state: 'running' } },
      { ...EC2_STATE_CHANGE, source: 'aws.ec2x' },
      { source: 'aws.ec2', detail: { state: 'terminated' } },
    ],
  },
  {
    name: 'a value list means any of',
    pattern: { source: ['aws.ec2', 'aws.fargate'] },
    matches: [{ source: 'aws.ec2' }, { source: 'aws.fargate' }],
    misses: [{ source: 'aws.s3' }, {}],
  },
  {
    name: 'strings match character by character, without case folding',
    pattern: { detail: { state: ['terminated'] } },
    matches: [{ detail: { state: 'terminated' } }],
    misses: [
      { detail: { state: 'Terminated' } },
      { detail: { state: 'terminated ' } },
      { detail: { state: 'TERMINATED' } },
    ],
  },
  {
    name: 'numbers match numbers (the Macie risk scores)',
    pattern: { source: ['aws.macie'], detail: { 'risk-score': [80], trigger: { risk: [8] } } },
    matches: [MACIE_ALERT],
    misses: [{ ...MACIE_ALERT, detail: { ...MACIE_ALERT.detail, 'risk-score': 81 } }],
  },
  {
    name: 'a string that looks like a number is not that number',
    pattern: { price: [5] },
    matches: [{ price: 5 }, { price: 5.0 }],
    misses: [{ price: '5' }, { price: '5.0' }],
  },
  {
    name: 'a number is not the string that spells it',
    pattern: { price: ['5'] },
    matches: [{ price: '5' }],
    misses: [{ price: 5 }],
  },
  {
    name: 'numbers compare by value once parsed: 300, 300.0 and 3.0e2 are one number',
    pattern: JSON.parse('{"limit": [3.0e2]}'),
    matches: [JSON.parse('{"limit": 300}'), JSON.parse('{"limit": 300.0}'), JSON.parse('{"limit": 3e2}')],
    misses: [{ limit: 300.5 }, { limit: '300' }],
  },
  {
    name: 'numbers beyond the numeric range still match exactly (an account id)',
    pattern: { account: [123456789012] },
    matches: [{ account: 123456789012 }],
    misses: [{ account: 123456789013 }, { account: '123456789012' }],
  },
  {
    name: 'true and false are JSON literals, not strings',
    pattern: { private: [true] },
    matches: [{ private: true }],
    misses: [{ private: 'true' }, { private: false }, { private: 1 }],
  },
  {
    name: 'null matches a null value (responseElements)',
    pattern: { detail: { responseElements: [null] } },
    matches: [AUTOSCALING_LAUNCH],
    misses: [
      { detail: {} },
      { detail: { responseElements: '' } },
      { detail: { responseElements: 'null' } },
      {},
    ],
  },
  {
    name: 'an empty string matches an empty string (eventVersion), not null',
    pattern: { detail: { eventVersion: [''] } },
    matches: [AUTOSCALING_LAUNCH],
    misses: [{ detail: { eventVersion: null } }, { detail: {} }, { detail: { eventVersion: ' ' } }],
  },
  {
    name: 'the field must exist for a value to match',
    pattern: { detail: { responseElements: [null, ''] } },
    matches: [AUTOSCALING_LAUNCH, { detail: { responseElements: '' } }],
    misses: [{ detail: {} }, { detail: null }, {}],
  },
  {
    name: 'an event array matches when its intersection with the value list is non-empty',
    pattern: {
      resources: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
      ],
    },
    matches: [
      {
        resources: [
          'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b:autoScalingGroupName/ASGTerminate',
          'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        ],
      },
    ],
    misses: [{ resources: ['arn:aws:ec2:us-east-1:999999999999:instance/i-b188560f'] }, { resources: [] }],
  },
  {
    name: 'an empty event array holds no value',
    pattern: { resources: [''] },
    matches: [{ resources: [''] }],
    misses: [AUTOSCALING_LAUNCH, { resources: [[]] }],
  },
  {
    name: 'arrays of arrays are crushed out',
    pattern: { tags: ['b'] },
    matches: [{ tags: [['a'], ['b', 'c']] }, { tags: [[['b']]] }],
    misses: [{ tags: [['a'], ['c']] }],
  },
  {
    name: 'fields inside objects inside arrays match (the employees example)',
    pattern: { employees: { firstName: ['Anna'] } },
    matches: [
      {
        employees: [
          { firstName: 'John', lastName: 'Doe' },
          { firstName: 'Anna', lastName: 'Smith' },
        ],
      },
      { employees: [[{ firstName: 'John' }, { firstName: 'Anna' }], [{ firstName: 'Peter' }]] },
    ],
    misses: [{ employees: [{ firstName: 'John' }] }],
  },
  {
    name: 'fields from different elements of one array never combine (array consistency)',
    pattern: { employees: { firstName: ['Anna'], lastName: ['Jones'] } },
    matches: [
      {
        employees: [
          { firstName: 'John', lastName: 'Doe' },
          { firstName: 'Anna', lastName: 'Jones' },
        ],
      },
    ],
    misses: [
      {
        employees: [
          { firstName: 'John', lastName: 'Doe' },
          { firstName: 'Anna', lastName: 'Smith' },
          { firstName: 'Peter', lastName: 'Jones' },
        ],
      },
    ],
  },
  {
    name: 'array consistency holds through nested arrays',
    pattern: { u: { t: { k: ['color'], v: ['blue'] } } },
    matches: [{ u: [{ t: [{ k: 'color', v: 'blue' }] }] }],
    misses: [
      { u: [{ t: [{ k: 'color' }, { v: 'blue' }] }] },
      { u: [{ t: [{ k: 'color' }] }, { t: [{ v: 'blue' }] }] },
    ],
  },
  {
    name: 'fields outside the array combine with any element',
    pattern: { version: ['1'], users: { name: ['alice'] } },
    matches: [{ version: '1', users: [{ name: 'bob' }, { name: 'alice' }] }],
    misses: [{ version: '2', users: [{ name: 'alice' }] }],
  },
  {
    name: 'nested objects and dotted keys in the pattern are the same field',
    pattern: { 'detail.state': ['terminated'] },
    matches: [EC2_STATE_CHANGE, { 'detail.state': 'terminated' }],
    misses: [{ detail: { state: 'running' } }, { detail: 'terminated' }],
  },
  {
    name: 'dotted keys in the event are the same field as nesting',
    pattern: { detail: { state: { status: ['running'] } } },
    matches: [
      { detail: { state: { status: 'running' } } },
      { detail: { 'state.status': 'running' } },
      { 'detail.state.status': 'running' },
    ],
    misses: [{ detail: { state: 'running' } }],
  },
  {
    name: 'objects are not leaves: a value never matches an object or its fields by accident',
    pattern: { detail: ['terminated'] },
    matches: [{ detail: 'terminated' }, { detail: ['x', 'terminated'] }],
    misses: [EC2_STATE_CHANGE, { detail: { detail: 'terminated' } }],
  },
  {
    name: 'a pattern matches any JSON object, with no special fields',
    pattern: { data: { order: { total: [100] } } },
    matches: [{ data: { order: { total: 100 } } }, { data: { order: [{ total: 100 }] } }],
    misses: [{ order: { total: 100 } }, 'data', null, [1, 2], 100],
  },
  {
    name: 'an event that is an array of objects is matched element by element',
    pattern: { a: ['x'], b: ['y'] },
    matches: [[{ a: 'x', b: 'y' }], { a: 'x', b: 'y' }],
    misses: [[{ a: 'x' }, { b: 'y' }]],
  },
];
