// The per-endpoint circuit breaker: a state machine fed with attempt outcomes and a Clock, with JSON-safe state.
import type { Clock } from '../core/index.js';
import type { DeliveryOutcome } from './retry-policy.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export interface BreakerConfig {
  /** Consecutive failures that open the breaker. */
  failureThreshold: number;
  /** First cool-down; each further opening in the same failure streak multiplies it by `cooldownMultiplier`. */
  baseCooldownMs: number;
  cooldownMultiplier: number;
  maxCooldownMs: number;
  /** An endpoint failing without a single success for this long is disabled. */
  disableAfterMs: number;
  /** A probe that never reports back (worker crash) stops blocking the next probe after this long. */
  probeTimeoutMs: number;
}

export const DEFAULT_BREAKER_CONFIG: Readonly<BreakerConfig> = Object.freeze({
  failureThreshold: 5,
  baseCooldownMs: MINUTE,
  cooldownMultiplier: 2,
  maxCooldownMs: 60 * MINUTE,
  disableAfterMs: 5 * DAY,
  probeTimeoutMs: 5 * MINUTE,
});

/**
 * The breaker's state, plain JSON so the worker can keep it in the store between processes.
 * - `closed`: deliveries flow. `open`: deliveries wait until `openUntil`. `half_open`: one probe is out (since
 *   `probeStartedAt`); its outcome closes or re-opens. `disabled`: nothing flows until `reset()` (re-enabling).
 * Invariant: `failingSince` is set exactly when `consecutiveFailures > 0`; `openUntil` only when `open`.
 */
export interface BreakerState {
  status: 'closed' | 'open' | 'half_open' | 'disabled';
  consecutiveFailures: number;
  failingSince: number | null;
  openUntil: number | null;
  /** Openings in the current failure streak; grows the cool-down. */
  trips: number;
  probeStartedAt: number | null;
}

/** Whether a delivery may start now. `retryAt` null means never (disabled); otherwise wait until then. */
export type BreakerPermit = { allowed: true; probe: boolean } | { allowed: false; retryAt: number | null };

/** What changed, for the worker to act on: `disabled` must emit `endpoint.disabled` and mark the endpoint so. */
export type BreakerTransition =
  { kind: 'opened'; until: number } | { kind: 'closed' } | { kind: 'disabled'; reason: 'gone' | 'failing' };

export function initialBreakerState(): BreakerState {
  return {
    status: 'closed',
    consecutiveFailures: 0,
    failingSince: null,
    openUntil: null,
    trips: 0,
    probeStartedAt: null,
  };
}

export class CircuitBreaker {
  private s: BreakerState;
  readonly config: Readonly<BreakerConfig>;

  constructor(
    private readonly clock: Clock,
    config: Partial<BreakerConfig> = {},
    state: BreakerState = initialBreakerState(),
  ) {
    this.config = { ...DEFAULT_BREAKER_CONFIG, ...config };
    this.s = { ...state };
  }

  /** A copy of the state, to persist. */
  get state(): BreakerState {
    return { ...this.s };
  }

  /** Asks to start a delivery. After a cool-down the first caller gets a probe; the rest wait for its outcome. */
  permit(): BreakerPermit {
    const now = this.clock.now();
    const s = this.s;
    switch (s.status) {
      case 'closed':
        return { allowed: true, probe: false };
      case 'disabled':
        return { allowed: false, retryAt: null };
      case 'open':
        if (now < (s.openUntil ?? 0)) return { allowed: false, retryAt: s.openUntil ?? now };
        this.s = { ...s, status: 'half_open', openUntil: null, probeStartedAt: now };
        return { allowed: true, probe: true };
      case 'half_open': {
        const probeDeadline = (s.probeStartedAt ?? 0) + this.config.probeTimeoutMs;
        if (now < probeDeadline) return { allowed: false, retryAt: probeDeadline };
        this.s = { ...s, probeStartedAt: now };
        return { allowed: true, probe: true };
      }
    }
  }

  /**
   * Feeds one attempt's outcome. Any answer that shows the endpoint alive (success, abort-message) closes the
   * breaker and ends the failure streak; `gone` disables at once; `retry` outcomes count as failures.
   */
  record(outcome: DeliveryOutcome): BreakerTransition | undefined {
    const now = this.clock.now();
    const s = this.s;
    if (s.status === 'disabled') return undefined;
    if (outcome.kind === 'gone') return this.disable('gone');
    if (outcome.kind === 'success' || outcome.kind === 'abort') {
      const wasClosed = s.status === 'closed';
      this.s = initialBreakerState();
      return wasClosed ? undefined : { kind: 'closed' };
    }
    const failingSince = s.failingSince ?? now;
    const failures = s.consecutiveFailures + 1;
    this.s = { ...s, consecutiveFailures: failures, failingSince };
    if (now - failingSince >= this.config.disableAfterMs) return this.disable('failing');
    // A straggler failing while the breaker is already open changes nothing but the count.
    if (s.status === 'open') return undefined;
    if (s.status === 'half_open' || failures >= this.config.failureThreshold) return this.open(now);
    return undefined;
  }

  /**
   * Takes the state another process's breaker for the same endpoint stored when it opened or closed the circuit, so
   * every worker pauses and resumes together rather than each after failures of its own.
   */
  adopt(state: BreakerState): void {
    this.s = { ...state };
  }

  /** Re-enabling: forget the history and let deliveries flow again. */
  reset(): void {
    this.s = initialBreakerState();
  }

  private open(now: number): BreakerTransition {
    const c = this.config;
    const cooldown = Math.min(c.maxCooldownMs, c.baseCooldownMs * c.cooldownMultiplier ** this.s.trips);
    const until = now + cooldown;
    this.s = { ...this.s, status: 'open', openUntil: until, probeStartedAt: null, trips: this.s.trips + 1 };
    return { kind: 'opened', until };
  }

  private disable(reason: 'gone' | 'failing'): BreakerTransition {
    this.s = { ...this.s, status: 'disabled', openUntil: null, probeStartedAt: null };
    return { kind: 'disabled', reason };
  }
}
