// The delivery gate spends an endpoint's rate-limit token only on a delivery that goes out: a refusal by a later
// check (the circuit open, a probe already out) gives the token back, so the endpoint keeps its configured rate.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { CircuitBreaker, initialBreakerState } from '../../src/delivery/circuit-breaker.js';
import { DeliveryGate, WAIT } from '../../src/delivery/delivery-gate.js';
import { EndpointLimiters } from '../../src/delivery/endpoint-limiter.js';
import type { LiveEndpoint } from '../../src/delivery/live-endpoints.js';
import type { Store } from '../../src/store/port.js';
import type { ActionRecord } from '../../src/store/records.js';
import { TargetDeferral } from '../../src/targets/target-handler.js';
import { endpointRecord } from '../helpers/records.js';
import { sqliteFactory } from '../helpers/stores.js';

const T0 = Date.UTC(2026, 5, 1);
const action = { id: 'act_x', orderingKey: null } as unknown as ActionRecord;

describe('DeliveryGate and the rate limit', () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ store, cleanup } = await sqliteFactory.open());
  });
  afterAll(async () => cleanup?.());

  async function refusal(gate: DeliveryGate, endpoint: LiveEndpoint): Promise<TargetDeferral> {
    try {
      (await gate.enter(endpoint, action, {} as never)).release();
    } catch (err) {
      if (err instanceof TargetDeferral) return err;
      throw err;
    }
    throw new Error('the gate let the delivery through');
  }

  it('gives the token back when the open circuit refuses, so the full rate is there once it closes', async () => {
    const clock = new ManualClock(T0);
    const gate = new DeliveryGate(store, new EndpointLimiters(clock), clock);
    const breaker = new CircuitBreaker(clock);
    // A probe is out: everything else waits for its outcome.
    breaker.adopt({ ...initialBreakerState(), status: 'half_open', probeStartedAt: T0 });
    const endpoint: LiveEndpoint = {
      record: endpointRecord('acme', 'rated', T0, { rateLimit: 3 }),
      auth: { type: 'none' },
      secretHeaders: {},
      timeoutMs: 15000,
      secrets: [],
      orderingKey: undefined,
      breaker,
    };
    for (let i = 0; i < 5; i++) expect((await refusal(gate, endpoint)).reason).toBe(WAIT.circuitOpen);
    // The probe succeeded: the circuit closes at the same instant, and the endpoint's burst of 3 is all there.
    breaker.record({ kind: 'success' } as never);
    for (let i = 0; i < 3; i++) (await gate.enter(endpoint, action, {} as never)).release();
    const limited = await refusal(gate, endpoint);
    expect(limited.reason).toBe(WAIT.rateLimited);
    expect(limited.until).toBe(T0 + 334);
  });

  it('gives the token back when a disabled breaker refuses', async () => {
    const clock = new ManualClock(T0);
    const gate = new DeliveryGate(store, new EndpointLimiters(clock), clock);
    const breaker = new CircuitBreaker(clock);
    breaker.adopt({ ...initialBreakerState(), status: 'disabled' });
    const endpoint: LiveEndpoint = {
      record: endpointRecord('acme', 'stale', T0, { rateLimit: 1 }),
      auth: { type: 'none' },
      secretHeaders: {},
      timeoutMs: 15000,
      secrets: [],
      orderingKey: undefined,
      breaker,
    };
    expect((await refusal(gate, endpoint)).reason).toBe(WAIT.disabled);
    breaker.reset();
    (await gate.enter(endpoint, action, {} as never)).release();
  });
});
