// An endpoint's health for GET /endpoints/{endpoint}: its state, success rate and latency over recent attempts,
// and how many deliveries wait — all read from the store, so every process reports the same.
import type { Store } from '../store/port.js';
import type { EndpointRecord } from '../store/records.js';
import type { BreakerState } from './circuit-breaker.js';

export const HEALTH_WINDOW_MS = 24 * 3_600_000;
const SAMPLE = 1000;
/** What the queue counts show; succeeded is left out, which would read the endpoint's whole history. */
const QUEUE_STATUSES = ['pending', 'in_flight', 'failed', 'dead'] as const;

/**
 * `state`: paused or disabled (the endpoint's status), else what the breaker says: `healthy`, `failing` (failures
 * in a row, below the threshold), `circuit_open` (deliveries wait for the cool-down) or `half_open` (one probe out).
 */
export type EndpointState = 'healthy' | 'failing' | 'circuit_open' | 'half_open' | 'paused' | 'disabled';

export interface EndpointHealth {
  state: EndpointState;
  consecutiveFailures: number;
  failingSince: number | null;
  openUntil: number | null;
  windowMs: number;
  /** Attempts in the window (at most the latest 1000 are sampled), and the share that succeeded; null when none. */
  attempts: number;
  successRate: number | null;
  latencyMs: { p50: number; p90: number; p99: number } | null;
  queue: { pending: number; inFlight: number; failed: number; dead: number; depth: number };
}

export async function endpointHealth(
  store: Store,
  endpoint: EndpointRecord,
  now: number,
): Promise<EndpointHealth> {
  const [samples, counts] = await Promise.all([
    // Not before the endpoint was made: attempts to an earlier endpoint of the same slug are not its own.
    store.attempts.recentForEndpoint(
      endpoint.org,
      endpoint.slug,
      Math.max(now - HEALTH_WINDOW_MS, endpoint.createdAt),
      SAMPLE,
    ),
    // Likewise its actions: those made before it belong to a deleted endpoint that had the slug (and die unsent).
    store.actions.countByStatus(
      endpoint.org,
      { endpoint: endpoint.slug, createdFrom: endpoint.createdAt },
      QUEUE_STATUSES,
    ),
  ]);
  const breaker = endpoint.breaker as BreakerState | null;
  const latencies = samples.map((s) => s.latencyMs).sort((a, b) => a - b);
  const succeeded = samples.filter((s) => s.outcome === 'succeeded').length;
  return {
    state: stateOf(endpoint, breaker),
    consecutiveFailures: breaker?.consecutiveFailures ?? 0,
    failingSince: breaker?.failingSince ?? null,
    openUntil: breaker?.status === 'open' ? breaker.openUntil : null,
    windowMs: HEALTH_WINDOW_MS,
    attempts: samples.length,
    successRate: samples.length === 0 ? null : succeeded / samples.length,
    latencyMs:
      latencies.length === 0
        ? null
        : {
            p50: percentile(latencies, 0.5),
            p90: percentile(latencies, 0.9),
            p99: percentile(latencies, 0.99),
          },
    queue: {
      pending: counts.pending,
      inFlight: counts.in_flight,
      failed: counts.failed,
      dead: counts.dead,
      depth: counts.pending + counts.in_flight + counts.failed,
    },
  };
}

/** The endpoint's state as its record alone tells it (status and stored breaker): no query, for lists. */
export function endpointState(endpoint: EndpointRecord): EndpointState {
  return stateOf(endpoint, endpoint.breaker as BreakerState | null);
}

function stateOf(endpoint: EndpointRecord, breaker: BreakerState | null): EndpointState {
  if (endpoint.status !== 'active') return endpoint.status;
  switch (breaker?.status) {
    case undefined:
    case 'closed':
      return (breaker?.consecutiveFailures ?? 0) > 0 ? 'failing' : 'healthy';
    case 'open':
      return 'circuit_open';
    case 'half_open':
      return 'half_open';
    case 'disabled':
      return 'disabled';
  }
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}
