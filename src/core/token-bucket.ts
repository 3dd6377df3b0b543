// A token bucket, shared by per-source ingest rate limits and per-endpoint delivery rate limits.
import type { Clock } from './clock.js';

/**
 * Holds up to `burst` tokens and refills `ratePerSecond` tokens a second. `take()` spends one token or says
 * how long to wait for the next. Time comes from the clock, so tests never sleep.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    private readonly clock: Clock,
  ) {
    if (!(ratePerSecond > 0) || !(burst >= 1))
      throw new RangeError('ratePerSecond must be > 0 and burst >= 1');
    this.tokens = burst;
    this.last = clock.now();
  }

  /** Spends a token when one is available: `{ok: true}`; otherwise `{ok: false, retryAfterMs}`. */
  take(): { ok: true } | { ok: false; retryAfterMs: number } {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000) };
  }

  /** Whether the bucket holds its whole burst: it then behaves as a new one would. */
  get full(): boolean {
    this.refill();
    return this.tokens >= this.burst;
  }

  /** Returns a token taken by a `take()` whose use was then refused elsewhere, so it is not lost. */
  giveBack(): void {
    this.refill();
    this.tokens = Math.min(this.burst, this.tokens + 1);
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + (elapsed / 1000) * this.ratePerSecond);
  }
}
