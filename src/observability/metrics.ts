// Prometheus metrics (SPEC §10): one registry per running app, so tests can run several apps in one process.
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Config } from '../config/config.js';
import type { AliveKind } from '../routing/worker-presence.js';
import { DeletedSeries, type SeriesOwners } from './deleted-series.js';
import { ScrapeRead, SCRAPE_READ_TIMEOUT_MS } from './scrape-read.js';

/** What a process does, and so which of the series below it shows. */
export interface MetricsScope {
  /** Takes webhooks and applications' events (roles `all`, `api`). */
  ingest: boolean;
  /** Routes events and attempts actions (roles `all`, `worker`). */
  work: boolean;
  /** Publishes the JetStream event log (a working process with EVENTHOOK_JETSTREAM on). */
  eventLog: boolean;
  /** Takes events from the JetStream intake (an ingesting process with EVENTHOOK_JETSTREAM_INTAKE on). */
  intake: boolean;
}

/** Every series, as in one process of role `all` with both JetStream features (the default: tests, benchmarks). */
const EVERYTHING: MetricsScope = { ingest: true, work: true, eventLog: true, intake: true };

/** The scope of a process started with `config`, as the composition root starts its parts. */
export function metricsScope(config: Pick<Config, 'role' | 'jetstream' | 'jetstreamIntake'>): MetricsScope {
  const ingest = config.role !== 'worker';
  const work = config.role !== 'api';
  return { ingest, work, eventLog: work && !!config.jetstream, intake: ingest && !!config.jetstreamIntake };
}

/** The series only a process doing that part moves. */
const SERIES_OF: Record<keyof MetricsScope, readonly string[]> = {
  ingest: [
    'eventhook_events_received_total',
    'eventhook_webhooks_verified_total',
    'eventhook_webhooks_rejected_total',
    'eventhook_webhooks_duplicate_total',
  ],
  work: [
    'eventhook_events_routed_total',
    'eventhook_action_attempts_total',
    'eventhook_action_attempt_seconds',
    'eventhook_action_deferrals_total',
    'eventhook_actions_in_flight',
    'eventhook_leases_taken_over_total',
  ],
  eventLog: ['eventhook_jetstream_published_total', 'eventhook_jetstream_lag_seconds'],
  intake: ['eventhook_jetstream_intake_rejected_total', 'eventhook_jetstream_intake_retried_total'],
};

export class Metrics {
  readonly registry = new Registry();
  readonly eventsReceived = new Counter({
    name: 'eventhook_events_received_total',
    help: 'Events accepted and committed, by org and source.',
    labelNames: ['org', 'source'] as const,
    registers: [this.registry],
  });
  readonly webhooksVerified = new Counter({
    name: 'eventhook_webhooks_verified_total',
    help: 'Webhooks whose verification passed, by org, source and verifier type (before parsing and deduplication).',
    labelNames: ['org', 'source', 'verifier'] as const,
    registers: [this.registry],
  });
  readonly webhooksRejected = new Counter({
    name: 'eventhook_webhooks_rejected_total',
    help: 'Webhooks refused by their source, by reason (verification reasons, rate_limited, too_large, …).',
    labelNames: ['org', 'source', 'reason'] as const,
    registers: [this.registry],
  });
  readonly httpRefused = new Counter({
    name: 'eventhook_http_requests_refused_total',
    help: "Requests refused before any route ran, by reason: timeout (not received in full within EVENTHOOK_REQUEST_TIMEOUT), headers_too_large (over Node's header limit), malformed (not HTTP).",
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly duplicates = new Counter({
    name: 'eventhook_webhooks_duplicate_total',
    help: 'Webhooks answered as duplicates of an earlier delivery.',
    labelNames: ['org', 'source'] as const,
    registers: [this.registry],
  });
  readonly eventsRouted = new Counter({
    name: 'eventhook_events_routed_total',
    help: 'Events through routing, by org and outcome (routed, unrouted, failed).',
    labelNames: ['org', 'status'] as const,
    registers: [this.registry],
  });
  readonly actionAttempts = new Counter({
    name: 'eventhook_action_attempts_total',
    help: 'Action attempts by target type and outcome.',
    labelNames: ['target', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly attemptLatency = new Histogram({
    name: 'eventhook_action_attempt_seconds',
    help: 'Duration of action attempts (outbound delivery latency for webhook targets).',
    labelNames: ['target'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly actionDeferrals = new Counter({
    name: 'eventhook_action_deferrals_total',
    help: 'Actions held back without an attempt, by target type and reason (endpoint_paused, circuit_open, …).',
    labelNames: ['target', 'reason'] as const,
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'eventhook_actions_in_flight',
    help: 'Actions being attempted by this process.',
    registers: [this.registry],
  });
  readonly leasesTakenOver = new Counter({
    name: 'eventhook_leases_taken_over_total',
    help: 'Leases of actions in flight ended by this process because the worker holding them stopped heartbeating (killed, crashed): each is an attempt cut off and made again.',
    registers: [this.registry],
  });
  /** Store reads for the kinds this process does not beat as (see `aliveFromStore`); its heartbeats set the others. */
  private readonly aliveReads: Partial<Record<AliveKind, ScrapeRead>> = {};
  readonly workersAlive = new Gauge({
    name: 'eventhook_workers_alive',
    help: "Worker processes on this database (a worker: as it last saw them; endpoints' limits are divided among them).",
    registers: [this.registry],
    collect: () => this.aliveReads.worker?.refresh(),
  });
  readonly ingestersAlive = new Gauge({
    name: 'eventhook_ingest_processes_alive',
    help: "Processes serving ingest on this database (one of them: as it last saw them; sources' rate limits are divided among them).",
    registers: [this.registry],
    collect: () => this.aliveReads.ingester?.refresh(),
  });

  /**
   * For a kind of process this one does not beat as (an API process's workers, a worker's ingest processes): no
   * heartbeat of its own sets that gauge, so it shows `count()`, read from the store when scraped.
   */
  aliveFromStore(kind: AliveKind, count: () => Promise<number>, logger: Logger): void {
    const gauge = kind === 'worker' ? this.workersAlive : this.ingestersAlive;
    this.aliveReads[kind] = new ScrapeRead(
      async () => {
        try {
          gauge.set(await count());
        } catch (err) {
          logger.error({ err, kind }, 'processes alive: reading the store failed; showing the last value');
        }
      },
      (timeoutMs) =>
        logger.warn({ timeoutMs, kind }, 'processes alive: the store read is slow; showing the last value'),
      this.storeReadTimeoutMs,
    );
  }

  /**
   * Read when scraped: `source` is what gives the value (the ingest group committer's backlog). Not in a worker: the
   * only events it commits, Flovyn's lifecycle events, are never counted against the backlog.
   */
  ingestBacklog(source: () => number): void {
    if (!this.scope.ingest) return;
    new Gauge({
      name: 'eventhook_ingest_backlog_bytes',
      help: 'Bytes of requests waiting for their commit in this process; at EVENTHOOK_INGEST_BACKLOG requests get 503.',
      registers: [this.registry],
      collect() {
        this.set(source());
      },
    });
  }

  readonly logPublished = new Counter({
    name: 'eventhook_jetstream_published_total',
    help: 'Messages the JetStream event log acknowledged, by subject kind (event, dead_letter).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly logLag = new Gauge({
    name: 'eventhook_jetstream_lag_seconds',
    help: 'Age of the oldest routed event not yet in the JetStream event log (0 when none waits).',
    registers: [this.registry],
  });

  readonly intakeRejected = new Counter({
    name: 'eventhook_jetstream_intake_rejected_total',
    help: 'Messages the JetStream intake refused (kept on {prefix}.log.rejected.{org} with the reason).',
    registers: [this.registry],
  });

  readonly intakeRetried = new Counter({
    name: 'eventhook_jetstream_intake_retried_total',
    help: 'Messages the JetStream intake handed back, to come again, because their event could not be committed (or, refused, they could not be kept yet).',
    registers: [this.registry],
  });

  private readonly scope: MetricsScope;
  /** How long a scrape waits for a store read (EVENTHOOK_METRICS_STORE_TIMEOUT). */
  private readonly storeReadTimeoutMs: number;

  /**
   * `scope`: the series a part this process does not run moves are left out rather than shown at 0 (or as an empty
   * family): an API process's `eventhook_actions_in_flight 0` would read as an idle worker, and a dashboard summing a
   * series over processes could not tell a process that does nothing from one that cannot. They are still made, so
   * callers record without asking; the registry just does not show them.
   */
  constructor(options: { defaults?: boolean; scope?: MetricsScope; storeReadTimeoutMs?: number } = {}) {
    this.scope = options.scope ?? EVERYTHING;
    this.storeReadTimeoutMs = options.storeReadTimeoutMs ?? SCRAPE_READ_TIMEOUT_MS;
    if (options.defaults) collectDefaultMetrics({ register: this.registry });
    for (const part of Object.keys(SERIES_OF) as (keyof MetricsScope)[]) {
      if (this.scope[part]) continue;
      for (const name of SERIES_OF[part]) {
        // A name that matches nothing (renamed above) would leave its series showing: say so at once.
        if (!this.registry.getSingleMetric(name)) throw new Error(`metrics: no series named ${name}`);
        this.registry.removeSingleMetric(name);
      }
    }
  }

  private deleted: DeletedSeries | undefined;

  /** Drops, when scraped, the series of sources and orgs that no longer exist (see deleted-series.ts). */
  forgetDeleted(owners: SeriesOwners, now: () => number, logger: Logger): void {
    this.deleted = new DeletedSeries(
      [this.eventsReceived, this.webhooksVerified, this.webhooksRejected, this.duplicates],
      [this.eventsRouted],
      owners,
      now,
      logger,
    );
  }

  /** The text of /metrics; also starts looking for series of deleted sources, now and then. */
  async scrape(): Promise<string> {
    this.deleted?.scraped();
    return this.registry.metrics();
  }

  /** The action worker's reports, onto the series above. */
  readonly actions = {
    attempted: (target: string, outcome: string, latencyMs: number): void => {
      this.actionAttempts.inc({ target, outcome });
      this.attemptLatency.observe({ target }, latencyMs / 1000);
    },
    deferred: (target: string, reason: string): void => this.actionDeferrals.inc({ target, reason }),
    inFlight: (count: number): void => this.queueDepth.set(count),
  };
}
