// endpointHealth over a real SQLite store filled with known attempts and actions: exact percentiles, success rate,
// the 24 h window and the sample cap, the queue counts, and the state read from status and breaker.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, type ActionId } from '../../src/core/ids.js';
import type { JsonValue } from '../../src/core/index.js';
import { initialBreakerState, type BreakerState } from '../../src/delivery/circuit-breaker.js';
import { endpointHealth, HEALTH_WINDOW_MS, percentile } from '../../src/delivery/endpoint-health.js';
import type { Store, StoreRepos } from '../../src/store/port.js';
import { endpointRecord, newAction } from '../helpers/records.js';
import { sqliteFactory } from '../helpers/stores.js';

const T0 = Date.UTC(2026, 5, 1);
const NOW = T0 + HEALTH_WINDOW_MS;

describe('percentile (nearest rank)', () => {
  it('picks the value at rank ceil(p·n) of the sorted values', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([0.5, 0.9, 0.99, 1].map((p) => percentile(hundred, p))).toEqual([50, 90, 99, 100]);
    const four = [10, 20, 30, 40];
    // 0.5·4 = 2 exactly: rank 2, not an interpolation between 20 and 30.
    expect([0.25, 0.5, 0.51, 0.9, 0.99].map((p) => percentile(four, p))).toEqual([10, 20, 30, 40, 40]);
    // p = 0 would be rank 0; it clamps to the smallest value rather than reading past the start.
    expect(percentile(four, 0)).toBe(10);
    expect([0, 0.5, 0.99].map((p) => percentile([7], p))).toEqual([7, 7, 7]);
  });
});

// The function only reads through the Store port, whose adapters have their own contract suite; one real store
// is enough here.
describe('endpointHealth', () => {
  let store: Store;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ store, cleanup } = await sqliteFactory.open());
    await store.orgs.create({ slug: 'acme', name: 'Acme' }, T0);
  });
  afterAll(async () => cleanup?.());

  const hook = (endpoint: string) => newAction('acme', { type: 'webhook', endpoint }, { nextAttemptAt: T0 });

  async function attempt(
    actionId: ActionId,
    endpoint: string,
    startedAt: number,
    latencyMs: number,
    ok: boolean,
    repos: StoreRepos = store,
  ): Promise<void> {
    await repos.attempts.insert({
      id: newId('attempt'),
      actionId,
      org: 'acme',
      number: 1,
      startedAt,
      latencyMs,
      outcome: ok ? 'succeeded' : 'failed',
      statusCode: ok ? 200 : 500,
      request: null,
      responseHeaders: null,
      responseBody: null,
      error: ok ? null : 'the endpoint answered 500',
      endpoint,
    });
  }

  it('reports exact percentiles and success rate over the attempts in the window, and the queue by status', async () => {
    const ep = endpointRecord('acme', 'known', T0);
    await store.endpoints.insert(ep);
    const [done, pending1, pending2, flying, failing, dead] = Array.from({ length: 6 }, () => hook('known'));
    await store.actions.insertMany([done!, pending1!, pending2!, flying!, failing!, dead!], T0);
    await store.actions.claim([done!.id, flying!.id, failing!.id, dead!.id], T0, 60_000);
    await store.actions.succeed(done!.id, 1, { statusCode: 200 }, T0);
    await store.actions.fail(failing!.id, 1, 'the endpoint answered 500', NOW + 5000, T0);
    await store.actions.fail(dead!.id, 1, 'the endpoint answered 500', null, T0);

    // Ten attempts in the window, written out of latency order: 10..100 ms, the 3 slowest failed.
    for (const [i, latency] of [70, 10, 100, 40, 20, 90, 30, 60, 50, 80].entries())
      await attempt(done!.id, 'known', T0 + 1000 * (i + 1), latency, latency <= 70);
    // Just outside the window, and another endpoint's: neither may count.
    await attempt(done!.id, 'known', NOW - HEALTH_WINDOW_MS - 1, 9000, false);
    const other = hook('other');
    await store.actions.insertMany([other], T0);
    await attempt(other.id, 'other', T0 + 500, 5, true);

    const health = await endpointHealth(store, ep, NOW);
    expect(health).toEqual({
      state: 'healthy',
      consecutiveFailures: 0,
      failingSince: null,
      openUntil: null,
      windowMs: HEALTH_WINDOW_MS,
      attempts: 10,
      successRate: 0.7,
      latencyMs: { p50: 50, p90: 90, p99: 100 },
      queue: { pending: 2, inFlight: 1, failed: 1, dead: 1, depth: 4 },
    });
  });

  it('samples only the newest 1000 attempts', async () => {
    const ep = endpointRecord('acme', 'busy', T0);
    await store.endpoints.insert(ep);
    const a = hook('busy');
    await store.actions.insertMany([a], T0);
    // The 5 oldest are slow failures; were they sampled, the rate would drop below 1 and p99 would be 5000.
    // One transaction: a thousand separate commits would each wait for the disk.
    await store.transaction(async (tx) => {
      for (let i = 0; i < 1005; i++)
        await attempt(a.id, 'busy', T0 + i, i < 5 ? 5000 : 1 + (i % 10), i >= 5, tx);
    });
    const health = await endpointHealth(store, ep, NOW);
    expect(health).toMatchObject({ attempts: 1000, successRate: 1, latencyMs: { p50: 5, p99: 10 } });
  });

  it('reads the state from the endpoint status first, then from its breaker; no attempts means no rates', async () => {
    const at = T0 + 60_000;
    // Stored as JSON, the way the worker stores it (endpoint-state.ts casts the same way).
    const breaker = (over: Partial<BreakerState>): JsonValue =>
      ({ ...initialBreakerState(), ...over }) satisfies BreakerState as unknown as JsonValue;
    const cases: Array<[string, Parameters<typeof endpointRecord>[3], Record<string, unknown>]> = [
      ['fresh', {}, { state: 'healthy', consecutiveFailures: 0, openUntil: null }],
      [
        'failing',
        { breaker: breaker({ consecutiveFailures: 2, failingSince: T0 }) },
        { state: 'failing', consecutiveFailures: 2, failingSince: T0, openUntil: null },
      ],
      [
        'open',
        {
          breaker: breaker({
            status: 'open',
            consecutiveFailures: 5,
            failingSince: T0,
            openUntil: at,
            trips: 1,
          }),
        },
        { state: 'circuit_open', consecutiveFailures: 5, openUntil: at },
      ],
      [
        'probing',
        {
          breaker: breaker({
            status: 'half_open',
            consecutiveFailures: 5,
            failingSince: T0,
            probeStartedAt: at,
          }),
        },
        { state: 'half_open', openUntil: null },
      ],
      [
        'stopped',
        { status: 'paused', breaker: breaker({ status: 'open', consecutiveFailures: 5, openUntil: at }) },
        { state: 'paused' },
      ],
      ['off', { status: 'disabled' }, { state: 'disabled' }],
      [
        'tripped',
        { breaker: breaker({ status: 'disabled', consecutiveFailures: 9 }) },
        { state: 'disabled' },
      ],
    ];
    for (const [slug, over, expected] of cases) {
      const ep = endpointRecord('acme', slug, T0, over);
      await store.endpoints.insert(ep);
      expect(await endpointHealth(store, ep, NOW), slug).toMatchObject({
        ...expected,
        attempts: 0,
        successRate: null,
        latencyMs: null,
        queue: { pending: 0, inFlight: 0, failed: 0, dead: 0, depth: 0 },
      });
    }
  });
});
