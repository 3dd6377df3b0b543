// The compiled Matcher: many rules in one structure, each matching id reported once, over real event shapes, and
// a walk of the event that never touches fields no pattern mentions.
import { describe, expect, it } from 'vitest';
import { isEventhookError } from '../../src/core/errors.js';
import { Matcher } from '../../src/rules/index.js';
import { GITHUB_PUSH, RULER_EXAMPLE } from './conformance/aws-events.js';

describe('Matcher', () => {
  it('routes an Eventhook envelope by source, type, data and headers', () => {
    const matcher = Matcher.build([
      {
        id: 'main-push',
        pattern: { source: ['webhook:github'], type: ['push'], data: { ref: ['refs/heads/main'] } },
      },
      { id: 'ts-changes', pattern: { data: { commits: { added: [{ suffix: '.ts' }] } } } },
      { id: 'by-header', pattern: { headers: { 'x-github-event': [{ 'equals-ignore-case': 'PUSH' }] } } },
      { id: 'popular', pattern: { data: { repository: { stargazers_count: [{ numeric: ['>=', 100] }] } } } },
      { id: 'public', pattern: { data: { repository: { private: [false] } } } },
      { id: 'no-email', pattern: { data: { pusher: { email: [null] } } } },
      {
        id: 'bob-feat',
        pattern: { data: { commits: { author: { name: ['Bob'] }, message: [{ prefix: 'feat' }] } } },
      },
      {
        id: 'ann-feat',
        pattern: { data: { commits: { author: { name: ['Ann'] }, message: [{ prefix: 'feat' }] } } },
      },
      { id: 'stripe', pattern: { source: [{ prefix: 'webhook:stripe' }] } },
    ]);
    expect(matcher.size).toBe(9);
    expect(matcher.match(GITHUB_PUSH)).toEqual([
      'main-push',
      'ts-changes',
      'by-header',
      'no-email',
      'bob-feat',
    ]);
  });

  it('reports each matching rule once, however many branches and values match', () => {
    const matcher = Matcher.build([
      {
        id: 'r',
        pattern: {
          $or: [{ source: ['aws.ec2'] }, { region: [{ prefix: 'us-' }] }],
          'detail.state': ['running', { prefix: 'run' }],
        },
      },
    ]);
    expect(matcher.match(RULER_EXAMPLE)).toEqual(['r']);
    expect(matcher.match({ ...RULER_EXAMPLE, resources: [RULER_EXAMPLE, RULER_EXAMPLE] })).toEqual(['r']);
  });

  it('takes an IPv4 address with a leading zero in a part for no address, never an octal or decimal one', () => {
    const matcher = Matcher.build([
      { id: 'ten', pattern: { ip: [{ cidr: '10.0.0.0/8' }] } },
      { id: 'eight', pattern: { ip: [{ cidr: '8.0.0.0/8' }] } },
      { id: 'host', pattern: { ip: ['10.0.0.1'] } },
    ]);
    expect(matcher.match({ ip: '010.1.2.3' })).toEqual([]);
    expect(matcher.match({ ip: '10.0.0.01' })).toEqual([]);
    expect(matcher.match({ ip: '10.1.2.3' })).toEqual(['ten']);
    expect(matcher.match({ ip: '10.0.0.1' }).sort()).toEqual(['host', 'ten']);
  });

  it('compares numbers as doubles, exact to 2^53, and 64-bit ids sent as strings exactly (as documented)', () => {
    // The pattern as a rule's JSON body brings it: its number parsed by JSON.parse.
    const matcher = Matcher.build([
      { id: 'number', pattern: JSON.parse('{"a": [9007199254740993]}') },
      { id: 'string', pattern: { s: ['9007199254740993'] } },
    ]);
    expect(matcher.match({ a: 9007199254740991 })).toEqual([]);
    // Past 2^53 JSON gives both texts the same double: docs/pattern-language.md says to send such ids as strings.
    expect(matcher.match(JSON.parse('{"a": 9007199254740992}'))).toEqual(['number']);
    expect(matcher.match({ s: '9007199254740992' })).toEqual([]);
    expect(matcher.match({ s: '9007199254740993' })).toEqual(['string']);
  });

  it('keeps the last pattern of a repeated id', () => {
    const matcher = Matcher.build([
      { id: 'r', pattern: { a: ['1'] } },
      { id: 'r', pattern: { a: ['2'] } },
    ]);
    expect(matcher.size).toBe(1);
    expect(matcher.match({ a: '1' })).toEqual([]);
    expect(matcher.match({ a: '2' })).toEqual(['r']);
  });

  it('names the rule whose pattern is invalid', () => {
    try {
      Matcher.build([
        { id: 'ok', pattern: { a: ['1'] } },
        { id: 'broken', pattern: { data: { total: [{ numeric: ['>', 'x'] }] } } },
      ]);
      expect.unreachable();
    } catch (err) {
      expect(isEventhookError(err, 'EH_PATTERN_INVALID')).toBe(true);
      if (isEventhookError(err))
        expect(err.params).toEqual({
          path: 'data.total[0].numeric[1]',
          reason: 'Value of > must be numeric',
          rule: 'broken',
        });
    }
  });

  it('matches events that are not objects only with absence patterns', () => {
    const matcher = Matcher.build([
      { id: 'absent', pattern: { a: [{ exists: false }] } },
      { id: 'value', pattern: { a: [{ exists: true }] } },
    ]);
    for (const event of ['a', 1, null, true, [], [1, 'a'], undefined])
      expect(matcher.match(event)).toEqual(['absent']);
  });

  it('never reads fields that no pattern mentions', () => {
    const reads: string[] = [];
    const guard = <T extends object>(obj: T, name: string, value: unknown): T =>
      Object.defineProperty(obj, name, {
        enumerable: true,
        get: () => {
          reads.push(name);
          return value;
        },
      });
    const data = guard({ total: 120, nested: guard({}, 'deep', 1) }, 'secret', 'x');
    const event = { source: 'app:shop', data, headers: guard({}, 'h', 'v') };
    const matcher = Matcher.build([
      { id: 'big', pattern: { source: ['app:shop'], data: { total: [{ numeric: ['>', 100] }] } } },
    ]);
    expect(matcher.match(event)).toEqual(['big']);
    expect(reads).toEqual([]);
  });

  it('finds the one matching rule among ten thousand', () => {
    const rules = Array.from({ length: 10_000 }, (_, i) => ({
      id: `rule_${i}`,
      pattern:
        i % 2 === 0
          ? { source: ['app:shop'], type: [`order.created.${i}`] }
          : { type: [{ prefix: `order.paid.${i}.` }], data: { total: [{ numeric: ['>=', i] }] } },
    }));
    const matcher = Matcher.build(rules);
    expect(matcher.match({ source: 'app:shop', type: 'order.created.4242' })).toEqual(['rule_4242']);
    expect(matcher.match({ type: 'order.paid.777.eu', data: { total: 777 } })).toEqual(['rule_777']);
    expect(matcher.match({ type: 'order.paid.777.eu', data: { total: 776 } })).toEqual([]);
  });
});
