// Grant event-type lists: exact types and `prefix.*` patterns, what they admit and which entries are refused.
import { describe, expect, it } from 'vitest';
import { eventTypePatternProblem, grantsAllow, typeMatches } from '../../src/grants/grant-match.js';

describe('grant event types', () => {
  it.each([
    ['order.created', 'order.created', true],
    ['order.created', 'order.created.v2', false],
    ['order.created', 'order', false],
    ['billing.*', 'billing.paid', true],
    ['billing.*', 'billing.invoice.sent', true],
    ['billing.*', 'billing', false],
    ['billing.*', 'billingx.paid', false],
    ['billing.*', 'other.billing.paid', false],
    ['a.b.*', 'a.b.c', true],
    ['a.b.*', 'a.bc', false],
  ])('%s admits %s: %s', (pattern, type, expected) => {
    expect(eventTypePatternProblem(pattern)).toBeUndefined();
    expect(typeMatches(pattern, type)).toBe(expected);
  });

  it.each(['*', '.*', 'billing*', 'bil*ing', '*.paid', 'billing.*.paid', 'billing.**', ''])(
    'refuses %j as an entry',
    (pattern) => {
      expect(eventTypePatternProblem(pattern)).toBeTypeOf('string');
    },
  );

  it('refuses an entry longer than 255 characters', () => {
    expect(eventTypePatternProblem('x'.repeat(255))).toBeUndefined();
    expect(eventTypePatternProblem('x'.repeat(256))).toMatch(/1 to 255/);
  });

  it('allows a type when any grant admits it; a grant without a list admits every type', () => {
    expect(grantsAllow([], 'order.created')).toBe(false);
    expect(grantsAllow([{ eventTypes: null }], 'anything.at.all')).toBe(true);
    const limited = [{ eventTypes: ['billing.*'] }, { eventTypes: ['order.created'] }];
    expect(grantsAllow(limited, 'order.created')).toBe(true);
    expect(grantsAllow(limited, 'billing.refund')).toBe(true);
    expect(grantsAllow(limited, 'order.cancelled')).toBe(false);
  });
});
