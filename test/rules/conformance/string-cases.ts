// Conformance rows for the string operators: prefix, suffix, equals-ignore-case and their combinations, and
// wildcard, from "Comparison operators for use in event patterns".
import type { MatchCase } from './case-types.js';

export const STRING_CASES: readonly MatchCase[] = [
  {
    name: 'prefix (the time field)',
    pattern: { time: [{ prefix: '2017-10-02' }] },
    matches: [{ time: '2017-10-02T18:43:48Z' }, { time: '2017-10-02' }],
    misses: [{ time: '2017-10-03T18:43:48Z' }, { time: '2017-10-0' }, { time: 20171002 }, {}],
  },
  {
    name: 'prefix is case-sensitive',
    pattern: { region: [{ prefix: 'eu-' }] },
    matches: [{ region: 'eu-west-1' }],
    misses: [{ region: 'EU-west-1' }, { region: 'us-east-1' }],
  },
  {
    name: 'an empty prefix matches every string and only strings',
    pattern: { a: [{ prefix: '' }] },
    matches: [{ a: '' }, { a: 'x' }],
    misses: [{ a: 1 }, { a: null }, { a: true }, {}],
  },
  {
    name: 'prefix with equals-ignore-case',
    pattern: { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } },
    matches: [
      { detail: { service: 'EventBridge' } },
      { detail: { service: 'EVENTBRIDGE' } },
      { detail: { service: 'eventb' } },
    ],
    misses: [{ detail: { service: 'Event' } }, { detail: { service: 'SQS' } }],
  },
  {
    name: 'suffix (the .png file name)',
    pattern: { FileName: [{ suffix: '.png' }] },
    matches: [{ FileName: 'image.png' }, { FileName: '.png' }],
    misses: [{ FileName: 'image.PNG' }, { FileName: 'image.png.txt' }, { FileName: 5 }],
  },
  {
    name: 'suffix with equals-ignore-case',
    pattern: { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } },
    matches: [
      { detail: { FileName: 'image.png' } },
      { detail: { FileName: 'IMAGE.PNG' } },
      { detail: { FileName: 'a.Png' } },
    ],
    misses: [{ detail: { FileName: 'image.jpg' } }],
  },
  {
    name: 'equals-ignore-case',
    pattern: { detail: { name: [{ 'equals-ignore-case': 'alice' }] } },
    matches: [{ detail: { name: 'Alice' } }, { detail: { name: 'ALICE' } }, { detail: { name: 'alice' } }],
    misses: [{ detail: { name: 'Alice ' } }, { detail: { name: 'Alicia' } }, { detail: { name: null } }],
  },
  {
    name: 'equals-ignore-case folds non-ASCII letters too',
    pattern: { city: [{ 'equals-ignore-case': 'ZÜRICH' }] },
    matches: [{ city: 'zürich' }, { city: 'Zürich' }],
    misses: [{ city: 'zurich' }],
  },
  {
    name: 'wildcard (any .png file within dir)',
    pattern: { FileName: [{ wildcard: 'dir/*.png' }] },
    matches: [{ FileName: 'dir/a.png' }, { FileName: 'dir/.png' }, { FileName: 'dir/sub/a.png' }],
    misses: [{ FileName: 'dir/a.jpg' }, { FileName: 'other/a.png' }, { FileName: 'dir/a.png.bak' }],
  },
  {
    name: 'wildcard with several stars (an event bus ARN in any account)',
    pattern: { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] },
    matches: [{ EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/default' }],
    misses: [{ EventBusArn: 'arn:aws:events:eu-west-1:123456789012:event-bus/default' }],
  },
  {
    name: 'wildcard in the middle of a value',
    pattern: { title: [{ wildcard: '*Title*' }] },
    matches: [{ title: 'Title' }, { title: 'A Title here' }, { title: 'xTitle' }],
    misses: [{ title: 'title' }, { title: 'Titl' }],
  },
  {
    name: 'a lone wildcard matches any string, and only strings',
    pattern: { a: [{ wildcard: '*' }] },
    matches: [{ a: '' }, { a: 'anything' }],
    misses: [{ a: 0 }, { a: false }, { a: null }, {}],
  },
  {
    name: 'escaped stars and backslashes are literal',
    pattern: { a: [{ wildcard: 'a\\*b*' }, { wildcard: 'c\\\\d' }] },
    matches: [{ a: 'a*b' }, { a: 'a*bcd' }, { a: 'c\\d' }],
    misses: [{ a: 'axb' }, { a: 'ab' }, { a: 'cd' }, { a: 'c\\\\d' }],
  },
  {
    name: 'a wildcard without a star is an exact match',
    pattern: { a: [{ wildcard: 'abc' }] },
    matches: [{ a: 'abc' }],
    misses: [{ a: 'abcd' }, { a: 'ab' }],
  },
  {
    name: 'wildcard pieces must not overlap',
    pattern: { a: [{ wildcard: 'ab*ba' }] },
    matches: [{ a: 'abba' }, { a: 'ab-ba' }],
    misses: [{ a: 'aba' }, { a: 'ab' }],
  },
];
