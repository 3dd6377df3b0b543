// Per-endpoint throttles: the rate limit refuses with a wait time, the concurrency cap with a free slot later.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/index.js';
import { EndpointLimiter, EndpointLimiters, Semaphore } from '../../src/delivery/index.js';

describe('Semaphore', () => {
  it('hands permits out up to the limit and to waiters in order', async () => {
    const s = new Semaphore(2);
    const a = s.tryAcquire()!;
    const b = s.tryAcquire()!;
    expect(s.tryAcquire()).toBeNull();
    const order: string[] = [];
    const w1 = s.acquire().then((r) => (order.push('w1'), r));
    const w2 = s.acquire().then((r) => (order.push('w2'), r));
    a();
    a(); // double release is harmless
    const r1 = await w1;
    expect(s.tryAcquire()).toBeNull(); // the freed permit went to w1, not to a newcomer
    b();
    await w2;
    expect(order).toEqual(['w1', 'w2']);
    r1();
    expect(s.inUse).toBe(1);
  });

  it('rejects a nonsense limit', () => {
    expect(() => new Semaphore(0)).toThrow(RangeError);
  });
});

describe('EndpointLimiter', () => {
  it('allows rateLimit deliveries per second and says when the next one may go', () => {
    const clock = new ManualClock();
    const l = new EndpointLimiter({ rateLimit: 2 }, clock);
    expect(l.tryStart().ok).toBe(true);
    expect(l.tryStart().ok).toBe(true);
    expect(l.tryStart()).toEqual({ ok: false, reason: 'rate_limited', retryAfterMs: 500 });
    clock.advance(500);
    expect(l.tryStart().ok).toBe(true);
  });

  it('caps deliveries in flight, and a rate refusal does not keep a slot', () => {
    const clock = new ManualClock();
    const l = new EndpointLimiter({ rateLimit: 1, maxConcurrency: 1 }, clock);
    const first = l.tryStart();
    expect(first.ok).toBe(true);
    expect(l.tryStart()).toEqual({ ok: false, reason: 'concurrency' });
    if (first.ok) first.release();
    expect(l.tryStart()).toMatchObject({ ok: false, reason: 'rate_limited' });
    expect(l.inFlight).toBe(0);
    clock.advance(1000);
    expect(l.tryStart().ok).toBe(true);
    expect(l.inFlight).toBe(1);
  });

  it('is unlimited when no limits are set', () => {
    const l = new EndpointLimiter({}, new ManualClock());
    for (let i = 0; i < 1000; i++) expect(l.tryStart().ok).toBe(true);
  });
});

describe('EndpointLimiters', () => {
  it('keeps one limiter per endpoint and rebuilds it when the limits change', () => {
    const limiters = new EndpointLimiters(new ManualClock());
    const a = limiters.for('ep_a', { rateLimit: 1 });
    expect(limiters.for('ep_a', { rateLimit: 1 })).toBe(a);
    expect(limiters.for('ep_b', { rateLimit: 1 })).not.toBe(a);
    a.tryStart();
    expect(a.tryStart().ok).toBe(false);
    const changed = limiters.for('ep_a', { rateLimit: 5 });
    expect(changed).not.toBe(a);
    expect(changed.tryStart().ok).toBe(true);
  });

  it('does not keep the limiters of endpoints gone or idle for the life of the process', () => {
    // Endpoints made, delivered to and deleted for weeks (per-tenant endpoints, apply --prune): each id is new.
    const clock = new ManualClock();
    const limiters = new EndpointLimiters(clock);
    for (let n = 0; n < 5000; n++) {
      const unlimited = limiters.for(`ep_free_${n}`, {}).tryStart();
      if (unlimited.ok) unlimited.release();
      const limited = limiters.for(`ep_lim_${n}`, { rateLimit: 10, maxConcurrency: 2 }).tryStart();
      if (limited.ok) limited.release();
      clock.advance(200);
    }
    expect(limiters.size).toBeLessThan(600);
  });

  it('keeps a limiter while deliveries are in flight or its rate is spent', () => {
    const clock = new ManualClock();
    const limiters = new EndpointLimiters(clock);
    const busy = limiters.for('ep_busy', { maxConcurrency: 1 });
    const held = busy.tryStart();
    expect(held.ok).toBe(true);
    const spent = limiters.for('ep_spent', { rateLimit: 1 });
    expect(spent.tryStart().ok).toBe(true);
    for (let n = 0; n < 2000; n++) limiters.for(`ep_${n}`, { rateLimit: 100 });
    // Still the same limiters: the cap and the rate hold across the sweeps.
    expect(limiters.for('ep_busy', { maxConcurrency: 1 })).toBe(busy);
    expect(busy.tryStart().ok).toBe(false);
    expect(limiters.for('ep_spent', { rateLimit: 1 })).toBe(spent);
    expect(spent.tryStart().ok).toBe(false);
  });
});
