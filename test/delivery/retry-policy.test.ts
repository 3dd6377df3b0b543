// Retry policy: how each attempt result is classified, and the schedule with jitter, Retry-After and the dead end.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/index.js';
import {
  DEFAULT_RETRY_SCHEDULE,
  classifyResponse,
  decideAfterAttempt,
  nextAttemptDelay,
  parseRetryAfter,
  parseRetrySchedule,
  type SendResult,
} from '../../src/delivery/index.js';

const response = (status: number, headers: Record<string, string> = {}): SendResult => ({
  requestHeaders: {},
  status,
  headers,
  body: '',
  bodyTruncated: false,
  latencyMs: 1,
});
const failure = (kind: NonNullable<SendResult['error']>['kind']): SendResult => ({
  requestHeaders: {},
  headers: {},
  body: '',
  bodyTruncated: false,
  latencyMs: 1,
  error: { kind, message: 'boom' },
});

describe('classifyResponse', () => {
  it.each([
    [200, 'success'],
    [204, 'success'],
    [299, 'success'],
    [301, 'retry'], // redirects are not followed and count as failures
    [302, 'retry'],
    [400, 'retry'],
    [401, 'retry'],
    [404, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
    [410, 'gone'],
  ])('status %i → %s', (status, kind) => {
    expect(classifyResponse(response(status)).kind).toBe(kind);
  });

  it.each(['timeout', 'dns', 'connection', 'tls', 'forbidden_address', 'auth', 'protocol'] as const)(
    'network error %s → retry',
    (kind) => {
      const outcome = classifyResponse(failure(kind));
      expect(outcome).toMatchObject({ kind: 'retry' });
      expect(outcome.kind === 'retry' && outcome.reason).toContain(kind);
    },
  );

  it('an invalid request can never succeed → abort', () => {
    expect(classifyResponse(failure('invalid_request')).kind).toBe('abort');
  });

  it('a body that timed out after a 200 head is still a failure', () => {
    expect(
      classifyResponse({ ...response(200), error: { kind: 'timeout', message: 'slow body' } }).kind,
    ).toBe('retry');
  });

  it('webhook-delivery: abort-message stops retries (case-insensitive value), but not on success', () => {
    expect(classifyResponse(response(500, { 'webhook-delivery': 'abort-message' })).kind).toBe('abort');
    expect(classifyResponse(response(400, { 'webhook-delivery': ' Abort-Message ' })).kind).toBe('abort');
    expect(classifyResponse(response(200, { 'webhook-delivery': 'abort-message' })).kind).toBe('success');
    expect(classifyResponse(response(500, { 'webhook-delivery': 'something-else' })).kind).toBe('retry');
  });

  it('reads Retry-After in seconds and as an HTTP-date against the clock', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
    expect(classifyResponse(response(429, { 'retry-after': '120' }), clock)).toMatchObject({
      retryAfterMs: 120_000,
    });
    const date = new Date(clock.now() + 90_000).toUTCString();
    expect(classifyResponse(response(503, { 'retry-after': date }), clock)).toMatchObject({
      retryAfterMs: 90_000,
    });
    expect(classifyResponse(response(503, { 'retry-after': 'soon' }), clock)).not.toHaveProperty(
      'retryAfterMs',
    );
  });
});

describe('parseRetryAfter', () => {
  it('treats past dates as "now" and rejects junk', () => {
    const now = Date.UTC(2026, 0, 1);
    expect(parseRetryAfter(new Date(now - 5000).toUTCString(), now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
    expect(parseRetryAfter('-3', now)).toBeUndefined();
    expect(parseRetryAfter('12 apples', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('nextAttemptDelay', () => {
  const retry = { kind: 'retry' as const, reason: 'x' };
  const mid = () => 0.5; // no jitter

  it('follows the default schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then dead', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((n) =>
      nextAttemptDelay(DEFAULT_RETRY_SCHEDULE, n, retry, { random: mid }),
    );
    expect(delays).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000, null]);
  });

  it('spreads delays by ±10 % from the injected random source', () => {
    expect(nextAttemptDelay(DEFAULT_RETRY_SCHEDULE, 2, retry, { random: () => 0 })).toBe(270_000);
    expect(nextAttemptDelay(DEFAULT_RETRY_SCHEDULE, 2, retry, { random: () => 0.999999 })).toBe(330_000);
    const seen = new Set<number>();
    for (let i = 0; i < 50; i++) {
      const d = nextAttemptDelay(DEFAULT_RETRY_SCHEDULE, 2, retry)!;
      expect(d).toBeGreaterThanOrEqual(270_000);
      expect(d).toBeLessThanOrEqual(330_000);
      seen.add(d);
    }
    expect(seen.size).toBeGreaterThan(1);
  });

  it('waits longer when Retry-After asks, up to the cap, but never shorter than the schedule', () => {
    const sched = { delaysMs: [1000, 1000] };
    expect(nextAttemptDelay(sched, 1, { ...retry, retryAfterMs: 60_000 }, { random: mid })).toBe(60_000);
    expect(nextAttemptDelay(sched, 1, { ...retry, retryAfterMs: 10 }, { random: mid })).toBe(1000);
    expect(nextAttemptDelay(sched, 1, { ...retry, retryAfterMs: 86_400_000 }, { random: mid })).toBe(
      3_600_000,
    );
    expect(
      nextAttemptDelay(
        sched,
        1,
        { ...retry, retryAfterMs: 86_400_000 },
        { random: mid, retryAfterCapMs: 5000 },
      ),
    ).toBe(5000);
    // Retry-After does not extend a used-up schedule.
    expect(nextAttemptDelay(sched, 3, { ...retry, retryAfterMs: 60_000 })).toBeNull();
  });

  it('gives no next attempt for final outcomes', () => {
    for (const outcome of [
      { kind: 'success' },
      { kind: 'gone', reason: '' },
      { kind: 'abort', reason: '' },
    ] as const) {
      expect(nextAttemptDelay(DEFAULT_RETRY_SCHEDULE, 1, outcome)).toBeNull();
    }
  });
});

describe('decideAfterAttempt', () => {
  const sched = { delaysMs: [0, 10] };
  it('maps outcomes to action states', () => {
    expect(decideAfterAttempt(sched, 1, { kind: 'success' })).toEqual({ next: 'succeeded' });
    expect(decideAfterAttempt(sched, 1, { kind: 'retry', reason: 'r' })).toEqual({
      next: 'retry',
      delayMs: 0,
    });
    expect(decideAfterAttempt(sched, 3, { kind: 'retry', reason: '500' })).toMatchObject({
      next: 'dead',
      reason: 'exhausted',
      disableEndpoint: false,
    });
    expect(decideAfterAttempt(sched, 1, { kind: 'gone', reason: '410' })).toMatchObject({
      next: 'dead',
      reason: 'gone',
      disableEndpoint: true,
    });
    expect(decideAfterAttempt(sched, 1, { kind: 'abort', reason: 'a' })).toMatchObject({
      next: 'dead',
      reason: 'aborted',
      disableEndpoint: false,
    });
  });
});

describe('parseRetrySchedule', () => {
  it('accepts integer millisecond delays and locates bad entries', () => {
    expect(parseRetrySchedule({ delaysMs: [0, 1000] })).toEqual({ delaysMs: [0, 1000] });
    expect(parseRetrySchedule({ delaysMs: [] })).toEqual({ delaysMs: [] });
    expect(() => parseRetrySchedule({ delaysMs: [5, -1, 'x'] }, '/targets/0/retry')).toThrow(
      /\/targets\/0\/retry\/delaysMs\/1: .*; \/targets\/0\/retry\/delaysMs\/2: /,
    );
    expect(() => parseRetrySchedule({})).toThrow(/\/retry\/delaysMs: must be an array/);
  });
});
