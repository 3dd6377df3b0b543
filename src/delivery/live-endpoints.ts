// Endpoints as the delivery worker uses them: record, opened credentials and secrets, compiled ordering key, and
// the endpoint's circuit breaker, cached per (org, slug). A change made in this process invalidates at once, and so
// does one from another process when the bus carries it (EVENTHOOK_BUS=nats); otherwise changes show within TTL_MS.
import type { Clock, SecretBox } from '../core/index.js';
import type { Store } from '../store/port.js';
import type { EndpointRecord } from '../store/records.js';
import { compileJmespath, type JmespathFn } from '../transform/index.js';
import {
  CircuitBreaker,
  initialBreakerState,
  type BreakerConfig,
  type BreakerState,
} from './circuit-breaker.js';
import type { EndpointAuth } from './endpoint-auth.js';
import type { EndpointSecret } from './endpoint-secrets.js';
import { DEFAULT_ENDPOINT_TIMEOUT_MS } from './endpoint-input.js';
import { openAuth, openHeaders } from './endpoint-service.js';

const TTL_MS = 1000;
const MAX_ENTRIES = 10_000;

export interface LiveEndpoint {
  record: EndpointRecord;
  auth: EndpointAuth;
  /** The secret headers opened: name → value, sent with every delivery. */
  secretHeaders: Record<string, string>;
  secrets: EndpointSecret[];
  /** Per attempt: the endpoint's own timeoutMs, else the deployment's default. */
  timeoutMs: number;
  /** The FIFO lane of an envelope, when the endpoint orders by key. */
  orderingKey: JmespathFn | undefined;
  /**
   * The breaker this process feeds. Built from the stored state, kept across cache refreshes while the endpoint's
   * `updatedAt` stays the same (workers write the breaker without moving it), rebuilt when the API changed it. When
   * another process opens or closes the circuit, this one takes the stored state into the same breaker.
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
  /** Per (org, slug): the breaker kept for the endpoint of that id and version. */
  private readonly breakers = new Map<string, { id: string; updatedAt: number; breaker: CircuitBreaker }>();
  /** (org, slug) of endpoints whose breaker another process changed: the next read adopts the stored state. */
  private readonly breakersChanged = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    private readonly breakerConfig: Partial<BreakerConfig> = {},
    /** For endpoints that set no timeoutMs: EVENTHOOK_DELIVERY_TIMEOUT of this process. */
    private readonly defaultTimeoutMs: number = DEFAULT_ENDPOINT_TIMEOUT_MS,
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
    // A read that an invalidate overtook may hold a breaker state from before the change: not adopted.
    const fresh = generation === this.generation;
    const endpoint = record ? this.compile(record, fresh) : null;
    if (!fresh) return endpoint;
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    this.cache.set(key, { endpoint, at: now });
    return endpoint;
  }

  /**
   * Whether `current` took the slug of a deleted endpoint that was still there when something was made at `madeAt`
   * (an action): then that something was meant for the deleted one. Deletion times are compared with one another and
   * with `madeAt`, never `current`'s creation alone, which another process's clock may put after an action routed to
   * it. Reads every endpoint of the org: only for the rare action that looks older than its endpoint.
   */
  async replacedSince(org: string, current: EndpointRecord, madeAt: number): Promise<boolean> {
    const all = await this.store.endpoints.list(org, { includeDeleted: true });
    return all.some(
      (e) =>
        e.slug === current.slug &&
        e.id !== current.id &&
        e.deletedAt !== null &&
        e.deletedAt <= current.createdAt &&
        madeAt < e.deletedAt,
    );
  }

  /** Drops the cached copy; `breaker` when another process changed the circuit: the next read adopts its state. */
  invalidate(org: string, slug: string, opts: { breaker?: boolean } = {}): void {
    this.generation++;
    const key = `${org}\n${slug}`;
    this.cache.delete(key);
    if (opts.breaker && this.breakers.has(key)) this.breakersChanged.add(key);
  }

  private compile(record: EndpointRecord, fresh: boolean): LiveEndpoint {
    return {
      record,
      auth: openAuth(this.box, record.auth),
      secretHeaders: openHeaders(this.box, record.secretHeaders),
      timeoutMs: record.timeoutMs ?? this.defaultTimeoutMs,
      secrets: record.secrets.map((s) => ({
        secret: this.box.open(s.sealed),
        createdAt: s.createdAt,
        ...(s.expiresAt !== null ? { expiresAt: s.expiresAt } : {}),
      })),
      orderingKey:
        record.ordering === 'fifo' && record.orderingKey
          ? compileJmespath(record.orderingKey, '/orderingKey')
          : undefined,
      breaker: this.breakerFor(record, fresh),
    };
  }

  private breakerFor(record: EndpointRecord, fresh: boolean): CircuitBreaker {
    const key = `${record.org}\n${record.slug}`;
    const stored = (record.breaker as BreakerState | null) ?? undefined;
    const kept = this.breakers.get(key);
    if (kept && kept.id === record.id && kept.updatedAt === record.updatedAt) {
      // Into the same breaker, not a new one: deliveries in flight record their outcomes on it.
      if (fresh && this.breakersChanged.delete(key)) kept.breaker.adopt(stored ?? initialBreakerState());
      return kept.breaker;
    }
    if (fresh) this.breakersChanged.delete(key);
    const breaker = new CircuitBreaker(this.clock, this.breakerConfig, stored);
    if (this.breakers.size >= MAX_ENTRIES) this.breakers.clear();
    this.breakers.set(key, { id: record.id, updatedAt: record.updatedAt, breaker });
    return breaker;
  }
}
