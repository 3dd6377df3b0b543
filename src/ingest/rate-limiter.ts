// Per-source ingest rate limits (SPEC §4.2): one token bucket per source, answered with 429 + Retry-After when empty.
// With several processes serving ingest on one database, each keeps to its share of a source's limit (the limit
// divided by the processes alive), so together they keep to the limit the source was given.
import { TokenBucket, type Clock } from '../core/index.js';

export interface RateLimit {
  /** Sustained requests per second. */
  readonly ratePerSecond: number;
  /** Requests allowed at once after a quiet period (bucket size, >= 1). */
  readonly burst: number;
}

export type TakeResult = { ok: true } | { ok: false; retryAfterSeconds: number };

interface Entry {
  readonly bucket: TokenBucket;
  readonly limit: RateLimit;
}

/**
 * Holds one bucket per source, created on first use and replaced (full) when the source's limit changes. At most
 * `maxSources` buckets are kept; the least recently used is dropped first, and a dropped source simply starts
 * again with a full bucket, which errs towards letting traffic through rather than holding memory forever.
 */
export class SourceRateLimiter {
  private readonly buckets = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    /** Processes serving ingest on this database, this one included. */
    private readonly processes: () => number = () => 1,
    private readonly maxSources = 10_000,
  ) {}

  /** Spends one token of `sourceId`'s bucket; when none is left, says how many whole seconds to wait. */
  take(sourceId: string, given: RateLimit): TakeResult {
    const limit = shareOfLimit(given, this.processes());
    let entry = this.buckets.get(sourceId);
    if (entry && (entry.limit.ratePerSecond !== limit.ratePerSecond || entry.limit.burst !== limit.burst))
      entry = undefined;
    if (entry) {
      this.buckets.delete(sourceId); // re-inserted below: Map order doubles as recency order
    } else {
      entry = { bucket: new TokenBucket(limit.ratePerSecond, limit.burst, this.clock), limit: { ...limit } };
      if (this.buckets.size >= this.maxSources)
        this.buckets.delete(this.buckets.keys().next().value as string);
    }
    this.buckets.set(sourceId, entry);
    const taken = entry.bucket.take();
    return taken.ok
      ? { ok: true }
      : { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(taken.retryAfterMs / 1000)) };
  }

  /** Drops a source's bucket (source deleted or its limit removed). */
  forget(sourceId: string): void {
    this.buckets.delete(sourceId);
  }

  get size(): number {
    return this.buckets.size;
  }
}

/**
 * One process's part of a source's limit. Each part of the burst is at least one request, so every process can
 * take a request; a load balancer that spreads requests unevenly makes the busiest process refuse first.
 */
export function shareOfLimit(limit: RateLimit, processes: number): RateLimit {
  if (processes <= 1) return limit;
  return { ratePerSecond: limit.ratePerSecond / processes, burst: Math.max(1, limit.burst / processes) };
}
