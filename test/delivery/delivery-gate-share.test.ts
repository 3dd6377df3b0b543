// Worker shares at the delivery gate: with several workers alive, each lets through its part of an endpoint's
// rate limit and concurrency cap, so together they keep to the endpoint's limits (the parts add up to them).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { CircuitBreaker } from '../../src/delivery/circuit-breaker.js';
import { DeliveryGate, WAIT } from '../../src/delivery/delivery-gate.js';
import { EndpointLimiters } from '../../src/delivery/endpoint-limiter.js';
import type { LiveEndpoint } from '../../src/delivery/live-endpoints.js';
import { shareOf, type WorkerShare } from '../../src/routing/worker-presence.js';
import type { Store } from '../../src/store/port.js';
import type { ActionRecord, EndpointRecord } from '../../src/store/records.js';
import { TargetDeferral } from '../../src/targets/target-handler.js';
import { endpointRecord } from '../helpers/records.js';
import { sqliteFactory } from '../helpers/stores.js';

const T0 = Date.UTC(2026, 5, 1);

describe('shareOf', () => {
  it('divides a cap among the workers, the remainder to the first ones, the parts adding up to the cap', () => {
    for (const total of [1, 2, 3, 5, 8, 64])
      for (const count of [1, 2, 3, 4, 7]) {
        const parts = Array.from({ length: count }, (_, rank) => shareOf(total, { count, rank }));
        expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
        expect(Math.max(...parts) - Math.min(...parts)).toBeLessThanOrEqual(1);
      }
    expect([0, 1, 2].map((rank) => shareOf(2, { count: 3, rank }))).toEqual([1, 1, 0]);
  });
});

describe('DeliveryGate with worker shares', () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ store, cleanup } = await sqliteFactory.open());
  });
  afterAll(async () => cleanup?.());

  const live = (record: EndpointRecord, clock: ManualClock): LiveEndpoint => ({
    record,
    auth: { type: 'none' },
    secretHeaders: {},
    timeoutMs: 15000,
    secrets: [],
    orderingKey: undefined,
    breaker: new CircuitBreaker(clock),
  });
  const action = { id: 'act_x', orderingKey: null } as unknown as ActionRecord;

  /** How many deliveries one worker's gate lets start at once, and why it refuses the next. */
  async function admitted(record: EndpointRecord, share: WorkerShare, clock: ManualClock) {
    const gate = new DeliveryGate(
      store,
      new EndpointLimiters(clock),
      clock,
      Infinity,
      () => {},
      () => share,
    );
    const endpoint = live(record, clock);
    let n = 0;
    for (;;) {
      try {
        await gate.enter(endpoint, action, {} as never);
        n++;
      } catch (err) {
        if (!(err instanceof TargetDeferral)) throw err;
        return { n, refusal: err };
      }
      if (n > 100) throw new Error('no limit');
    }
  }

  it('lets each worker start its part of the rate limit, and spaces its next one by its part', async () => {
    const clock = new ManualClock(T0);
    const record = endpointRecord('acme', 'rated', T0, { rateLimit: 4 });
    const alone = await admitted(record, { count: 1, rank: 0 }, clock);
    expect(alone.n).toBe(4);
    for (const rank of [0, 1]) {
      const { n, refusal } = await admitted(record, { count: 2, rank }, clock);
      expect(n).toBe(2);
      expect(refusal.reason).toBe(WAIT.rateLimited);
      // Two per second for this worker: the next token in 500 ms.
      expect(refusal.until).toBe(T0 + 500);
    }
  });

  it('lets each worker have its part of maxConcurrency in flight, and none when there are more workers than slots', async () => {
    const clock = new ManualClock(T0);
    const record = endpointRecord('acme', 'capped', T0, { maxConcurrency: 3 });
    const parts = [];
    for (const rank of [0, 1]) {
      const { n, refusal } = await admitted(record, { count: 2, rank }, clock);
      expect(refusal.reason).toBe(WAIT.concurrency);
      parts.push(n);
    }
    expect(parts).toEqual([2, 1]);
    const last = await admitted(record, { count: 4, rank: 3 }, clock);
    expect(last.n).toBe(0);
    expect(last.refusal.reason).toBe(WAIT.concurrency);
  });
});
