// Endpoints as the delivery worker uses them: record, opened credentials and secrets, compiled ordering key, and
// the endpoint's circuit breaker, cached per (org, slug). A change made in this process invalidates at once, and so
// does one from another process when the bus carries it (EVENTHOOK_BUS=nats); otherwise changes show within TTL_MS.
import type { Clock, SecretBox } from '../core/index.js';
import type { Store } from '../store/port.js';
import type { EndpointRecord } from '../store/records.js';
import { compileJmespath, type JmespathFn } from '../transform/index.js';
import { CircuitBreaker, type BreakerConfig, type BreakerState } from './circuit-breaker.js';
import type { EndpointAuth } from './endpoint-auth.js';
import type { EndpointSecret } from './endpoint-secrets.js';
import { openAuth } from './endpoint-service.js';

const TTL_MS = 1000;
const MAX_ENTRIES = 10_000;

export interface LiveEndpoint {
  record: EndpointRecord;
  auth: EndpointAuth;
  secrets: EndpointSecret[];
  /** The FIFO lane of an envelope, when the endpoint orders by key. */
  orderingKey: JmespathFn | undefined;
  /**
   * The breaker this process feeds. Built from the stored state, kept across cache refreshes while the endpoint's
   * `updatedAt` stays the same (workers write the breaker without moving it), rebuilt when the API changed it.
   */
  breaker: CircuitBreaker;
}

export class LiveEndpoints {
  private readonly cache = new Map<string, { endpoint: LiveEndpoint | null; at: number }>();
  /**
   * Bumped by every invalidate: a read that began before one may return what the change replaced (PostgreSQL reads
   * on another connection while the change commits) and must not be cached.
   */
  private generation = 0;
  private readonly breakers = new Map<string, { updatedAt: number; breaker: CircuitBreaker }>();

  constructor(
    private readonly store: Store,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    private readonly breakerConfig: Partial<BreakerConfig> = {},
  ) {}

  /** The live endpoint, or null when there is none with this slug (deleted or never created). */
  async get(org: string, slug: string): Promise<LiveEndpoint | null> {
    const key = `${org}\n${slug}`;
    const now = this.clock.now();
    const hit = this.cache.get(key);
    // Compared both ways: a test clock may move backwards.
    if (hit && now - hit.at < TTL_MS && now >= hit.at) return hit.endpoint;
    const generation = this.generation;
    const record = await this.store.endpoints.get(org, slug);
    const endpoint = record ? this.compile(record) : null;
    if (generation !== this.generation) return endpoint;
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    this.cache.set(key, { endpoint, at: now });
    return endpoint;
  }

  invalidate(org: string, slug: string): void {
    this.generation++;
    this.cache.delete(`${org}\n${slug}`);
  }

  private compile(record: EndpointRecord): LiveEndpoint {
    return {
      record,
      auth: openAuth(this.box, record.auth),
      secrets: record.secrets.map((s) => ({
        secret: this.box.open(s.sealed),
        createdAt: s.createdAt,
        ...(s.expiresAt !== null ? { expiresAt: s.expiresAt } : {}),
      })),
      orderingKey:
        record.ordering === 'fifo' && record.orderingKey
          ? compileJmespath(record.orderingKey, '/orderingKey')
          : undefined,
      breaker: this.breakerFor(record),
    };
  }

  private breakerFor(record: EndpointRecord): CircuitBreaker {
    const kept = this.breakers.get(record.id);
    if (kept && kept.updatedAt === record.updatedAt) return kept.breaker;
    const stored = record.breaker as BreakerState | null;
    const breaker = new CircuitBreaker(this.clock, this.breakerConfig, stored ?? undefined);
    if (this.breakers.size >= MAX_ENTRIES) this.breakers.clear();
    this.breakers.set(record.id, { updatedAt: record.updatedAt, breaker });
    return breaker;
  }
}
