// Circuit breaker: opens after consecutive failures, cools down longer each time, probes, disables after days.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/index.js';
import { CircuitBreaker, type DeliveryOutcome } from '../../src/delivery/index.js';

const fail: DeliveryOutcome = { kind: 'retry', reason: '500' };
const ok: DeliveryOutcome = { kind: 'success' };
const MIN = 60_000;
const cfg = {
  failureThreshold: 3,
  baseCooldownMs: MIN,
  cooldownMultiplier: 2,
  maxCooldownMs: 5 * MIN,
  disableAfterMs: 60 * MIN,
  probeTimeoutMs: 10 * MIN,
};

describe('CircuitBreaker', () => {
  it('stays closed below the threshold and a success resets the count', () => {
    const clock = new ManualClock();
    const b = new CircuitBreaker(clock, cfg);
    expect(b.record(fail)).toBeUndefined();
    expect(b.record(fail)).toBeUndefined();
    expect(b.record(ok)).toBeUndefined();
    expect(b.record(fail)).toBeUndefined();
    expect(b.record(fail)).toBeUndefined();
    expect(b.permit()).toEqual({ allowed: true, probe: false });
    expect(b.state.consecutiveFailures).toBe(2);
  });

  it('opens at the threshold; deliveries wait until the cool-down ends; then one probe goes', () => {
    const clock = new ManualClock();
    const b = new CircuitBreaker(clock, cfg);
    b.record(fail);
    b.record(fail);
    expect(b.record(fail)).toEqual({ kind: 'opened', until: clock.now() + MIN });
    expect(b.permit()).toEqual({ allowed: false, retryAt: clock.now() + MIN });
    clock.advance(MIN - 1);
    expect(b.permit().allowed).toBe(false);
    clock.advance(1);
    expect(b.permit()).toEqual({ allowed: true, probe: true });
    // While the probe is out, others wait for its outcome (or for the probe timeout).
    expect(b.permit()).toEqual({ allowed: false, retryAt: clock.now() + 10 * MIN });
    expect(b.record(ok)).toEqual({ kind: 'closed' });
    expect(b.permit()).toEqual({ allowed: true, probe: false });
    expect(b.state.trips).toBe(0);
  });

  it('a failed probe re-opens with a doubled cool-down, capped', () => {
    const clock = new ManualClock();
    const b = new CircuitBreaker(clock, cfg);
    for (let i = 0; i < 3; i++) b.record(fail);
    const cooldowns: number[] = [];
    for (let i = 0; i < 4; i++) {
      clock.set(b.state.openUntil!);
      expect(b.permit()).toEqual({ allowed: true, probe: true });
      const t = b.record(fail);
      cooldowns.push(t?.kind === 'opened' ? t.until - clock.now() : -1);
    }
    expect(cooldowns).toEqual([2 * MIN, 4 * MIN, 5 * MIN, 5 * MIN]);
  });

  it('a lost probe stops blocking after the probe timeout', () => {
    const clock = new ManualClock();
    const b = new CircuitBreaker(clock, cfg);
    for (let i = 0; i < 3; i++) b.record(fail);
    clock.advance(MIN);
    expect(b.permit().allowed).toBe(true);
    clock.advance(10 * MIN);
    expect(b.permit()).toEqual({ allowed: true, probe: true });
  });

  it('disables an endpoint failing continuously for disableAfterMs, and reset re-enables it', () => {
    const clock = new ManualClock();
    const b = new CircuitBreaker(clock, cfg);
    b.record(fail);
    let last;
    while (clock.now() < Date.UTC(2026, 0, 1) + 60 * MIN) {
      clock.advance(5 * MIN);
      last = b.record(fail);
      if (last?.kind === 'disabled') break;
    }
    expect(last).toEqual({ kind: 'disabled', reason: 'failing' });
    expect(b.permit()).toEqual({ allowed: false, retryAt: null });
    expect(b.record(ok)).toBeUndefined(); // stays disabled until re-enabled
    b.reset();
    expect(b.permit()).toEqual({ allowed: true, probe: false });
  });

  it('one success inside the window restarts the five-day clock', () => {
    const clock = new ManualClock();
    const b = new CircuitBreaker(clock, { ...cfg, failureThreshold: 1000 });
    b.record(fail);
    clock.advance(50 * MIN);
    b.record(ok);
    clock.advance(1);
    b.record(fail);
    clock.advance(50 * MIN);
    expect(b.record(fail)).toBeUndefined();
    expect(b.state.status).toBe('closed');
  });

  it('410 Gone disables at once; abort-message counts as the endpoint being alive', () => {
    const clock = new ManualClock();
    const b = new CircuitBreaker(clock, cfg);
    b.record(fail);
    b.record(fail);
    expect(b.record({ kind: 'abort', reason: '' })).toBeUndefined();
    expect(b.state.consecutiveFailures).toBe(0);
    expect(b.record({ kind: 'gone', reason: '410' })).toEqual({ kind: 'disabled', reason: 'gone' });
  });

  it('state survives a JSON round trip, so a worker can persist it and another can resume', () => {
    const clock = new ManualClock();
    const a = new CircuitBreaker(clock, cfg);
    for (let i = 0; i < 3; i++) a.record(fail);
    const stored = JSON.parse(JSON.stringify(a.state));
    const b = new CircuitBreaker(clock, cfg, stored);
    expect(b.permit()).toEqual({ allowed: false, retryAt: clock.now() + MIN });
    clock.advance(MIN);
    expect(b.permit().allowed).toBe(true);
  });
});
