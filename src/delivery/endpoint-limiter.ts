// Per-endpoint throttles: a rate limit (token bucket) and a cap on deliveries in flight (semaphore).
import { TokenBucket, type Clock } from '../core/index.js';

/** Counts permits in use; `tryAcquire` never waits, `acquire` queues callers in arrival order. */
export class Semaphore {
  private used = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError('a semaphore limit must be an integer >= 1');
  }

  get inUse(): number {
    return this.used;
  }

  /** A release function, or null when every permit is taken. Releasing twice is harmless. */
  tryAcquire(): (() => void) | null {
    if (this.used >= this.limit) return null;
    this.used++;
    return this.releaser();
  }

  /** Waits for a permit. */
  acquire(): Promise<() => void> {
    const r = this.tryAcquire();
    if (r !== null) return Promise.resolve(r);
    return new Promise((resolve) => this.waiters.push(() => resolve(this.releaser())));
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      // Hand the permit straight to the next waiter, so a newcomer's tryAcquire cannot overtake it.
      if (next !== undefined) next();
      else this.used--;
    };
  }
}

export interface EndpointLimits {
  /** Deliveries per second; unset means unlimited. Bursts up to one second's worth (at least 1). */
  rateLimit?: number;
  /** Deliveries in flight at once; unset means unlimited. */
  maxConcurrency?: number;
}

/** Why a delivery may not start now; `retryAfterMs` is set for the rate limit, when the next token is due. */
export type LimitRefusal =
  { ok: false; reason: 'rate_limited'; retryAfterMs: number } | { ok: false; reason: 'concurrency' };

/**
 * The throttles of one endpoint. The worker asks before each delivery and calls `release` when the attempt
 * ends; a refusal means "leave the action queued", not a failed attempt. Rebuild it when the limits change.
 */
export class EndpointLimiter {
  private readonly bucket: TokenBucket | undefined;
  private readonly slots: Semaphore | undefined;

  constructor(
    readonly limits: EndpointLimits,
    clock: Clock,
  ) {
    this.bucket =
      limits.rateLimit !== undefined
        ? new TokenBucket(limits.rateLimit, Math.max(1, limits.rateLimit), clock)
        : undefined;
    this.slots = limits.maxConcurrency !== undefined ? new Semaphore(limits.maxConcurrency) : undefined;
  }

  /**
   * `release` ends a delivery that went out; `cancel` undoes a start that a later check refused before sending: it
   * frees the slot and gives the token back, so a refusal does not lower the endpoint's rate.
   */
  tryStart(): { ok: true; release: () => void; cancel: () => void } | LimitRefusal {
    // The slot first: a token spent while no slot is free would be lost.
    const release = this.slots ? this.slots.tryAcquire() : () => {};
    if (release === null) return { ok: false, reason: 'concurrency' };
    const token = this.bucket?.take() ?? { ok: true as const };
    if (!token.ok) {
      release();
      return { ok: false, reason: 'rate_limited', retryAfterMs: token.retryAfterMs };
    }
    const bucket = this.bucket;
    const cancel = () => {
      release();
      bucket?.giveBack();
    };
    return { ok: true, release, cancel };
  }

  get inFlight(): number {
    return this.slots?.inUse ?? 0;
  }

  /** Nothing in flight and a full bucket: it behaves as a new limiter of the same limits, so it may be dropped. */
  get atRest(): boolean {
    return this.inFlight === 0 && (this.bucket?.full ?? true);
  }
}

/** The fewest limiters kept before those at rest are dropped. */
const SWEEP_FROM = 256;

/**
 * One limiter per endpoint id, rebuilt when that endpoint's limits change. Limiters at rest are dropped
 * as new ones come (a new one starts the same), so endpoints deleted, or idle for long, are not kept for the life of
 * the process.
 */
export class EndpointLimiters {
  private readonly byEndpoint = new Map<string, EndpointLimiter>();
  private sweepAt = SWEEP_FROM;

  constructor(private readonly clock: Clock) {}

  /** Limiters kept. */
  get size(): number {
    return this.byEndpoint.size;
  }

  for(endpointId: string, limits: EndpointLimits): EndpointLimiter {
    const current = this.byEndpoint.get(endpointId);
    if (
      current &&
      current.limits.rateLimit === limits.rateLimit &&
      current.limits.maxConcurrency === limits.maxConcurrency
    ) {
      return current;
    }
    if (this.byEndpoint.size >= this.sweepAt) {
      for (const [id, limiter] of this.byEndpoint) if (limiter.atRest) this.byEndpoint.delete(id);
      // Swept again once as many more have come: a sweep costs as much as the limiters it looks at.
      this.sweepAt = Math.max(SWEEP_FROM, 2 * this.byEndpoint.size);
    }
    // In-flight deliveries keep their release on the old limiter; the new one starts empty. Briefly allowing
    // a few more in flight after a limit change is better than leaking permits.
    const next = new EndpointLimiter({ ...limits }, this.clock);
    this.byEndpoint.set(endpointId, next);
    return next;
  }

  delete(endpointId: string): void {
    this.byEndpoint.delete(endpointId);
  }
}
