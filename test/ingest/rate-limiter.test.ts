// Per-source token buckets: bursts, refill, Retry-After in whole seconds, independent sources, limit changes.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/index.js';
import { shareOfLimit, SourceRateLimiter } from '../../src/ingest/rate-limiter.js';

describe('SourceRateLimiter', () => {
  it('allows a burst, then answers with Retry-After until tokens refill', () => {
    const clock = new ManualClock();
    const limiter = new SourceRateLimiter(clock);
    const limit = { ratePerSecond: 2, burst: 3 };
    for (let i = 0; i < 3; i++) expect(limiter.take('src_a', limit)).toEqual({ ok: true });
    expect(limiter.take('src_a', limit)).toEqual({ ok: false, retryAfterSeconds: 1 });
    clock.advance(500);
    expect(limiter.take('src_a', limit)).toEqual({ ok: true });
    expect(limiter.take('src_a', limit).ok).toBe(false);
  });

  it('rounds Retry-After up to whole seconds for slow rates', () => {
    const limiter = new SourceRateLimiter(new ManualClock());
    const limit = { ratePerSecond: 0.1, burst: 1 };
    limiter.take('s', limit);
    expect(limiter.take('s', limit)).toEqual({ ok: false, retryAfterSeconds: 10 });
  });

  it('keeps sources independent and starts afresh when a source’s limit changes', () => {
    const limiter = new SourceRateLimiter(new ManualClock());
    const one = { ratePerSecond: 1, burst: 1 };
    expect(limiter.take('a', one).ok).toBe(true);
    expect(limiter.take('a', one).ok).toBe(false);
    expect(limiter.take('b', one).ok).toBe(true);
    expect(limiter.take('a', { ratePerSecond: 1, burst: 5 }).ok).toBe(true);
  });

  it('holds at most maxSources buckets, dropping the least recently used', () => {
    const limiter = new SourceRateLimiter(new ManualClock(), () => 1, 2);
    const one = { ratePerSecond: 1, burst: 1 };
    limiter.take('a', one);
    limiter.take('b', one);
    limiter.take('a', one); // a is now the most recent (and empty)
    limiter.take('c', one); // evicts b
    expect(limiter.size).toBe(2);
    expect(limiter.take('a', one).ok).toBe(false);
    limiter.forget('a');
    expect(limiter.take('a', one).ok).toBe(true);
  });

  it('keeps to its share of a limit among the processes serving ingest, and to all of it alone again', () => {
    const clock = new ManualClock();
    let processes = 2;
    const limiter = new SourceRateLimiter(clock, () => processes);
    const limit = { ratePerSecond: 4, burst: 6 };
    const takes = (n: number) =>
      Array.from({ length: n }, () => limiter.take('a', limit).ok).filter(Boolean).length;
    expect(takes(10)).toBe(3);
    clock.advance(1000);
    expect(takes(10)).toBe(2); // 2 a second of the 4
    processes = 1;
    expect(takes(10)).toBe(6);
    expect(shareOfLimit({ ratePerSecond: 1, burst: 2 }, 5)).toEqual({ ratePerSecond: 0.2, burst: 1 });
  });
});
